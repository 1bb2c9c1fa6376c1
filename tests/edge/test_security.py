"""The edge's security, seen from the network: what an attacker and a phone get."""
from __future__ import annotations

import re

from tests.support.pbx import RunningPbx
from tests.support.sip_raw import RawSip, header_names, status_code


def _without_nonce(reply: str) -> str:
    reply = re.sub(r'nonce="[^"]*"', 'nonce=""', reply)
    reply = re.sub(r"tag=[^;\r\n]*", "tag=", reply)
    reply = re.sub(r"branch=[^;\r\n]*", "branch=", reply)
    reply = re.sub(r"(Call-ID|From|To|Via|Contact): [^\r\n]*", r"\1: x", reply)
    return reply


def test_unknown_user_and_wrong_password_get_the_same_answer(pbx: RunningPbx) -> None:
    pbx.add_extension("101")
    client = RawSip("127.0.0.20", ("127.0.0.1", pbx.sip_port))
    try:
        wrong_password = client.register_with("101", "not-the-password-1")
        unknown_user = client.register_with("999", "not-the-password-1")
        right = client.register_with("101", pbx.passwords["101"])
    finally:
        client.close()
    assert wrong_password is not None and unknown_user is not None
    assert status_code(wrong_password) == status_code(unknown_user) == 401
    assert header_names(wrong_password) == header_names(unknown_user)
    assert _without_nonce(wrong_password) == _without_nonce(unknown_user)
    assert status_code(right) == 200


def test_repeated_failed_logins_block_that_address_only(pbx: RunningPbx) -> None:
    limit = int(pbx.minipbx("config", "get", "ban_after_failures").stdout)
    pbx.add_extension("101")
    attacker = RawSip("127.0.0.30", ("127.0.0.1", pbx.sip_port))
    try:
        for attempt in range(limit - 1):
            assert status_code(attacker.register_with("101", f"guess-{attempt}-password")) == 401
        # The last allowed failure is not even answered.
        assert attacker.register_with("101", "one-more-guess-1") is None
        # Blocked now: even the right password and a plain OPTIONS get no answer at all.
        assert attacker.send(attacker.request("OPTIONS", "101")) is None
        assert attacker.register_with("101", pbx.passwords["101"]) is None
    finally:
        attacker.close()
    # The office's phones, on other addresses, are not affected.
    phone = pbx.phone("101")
    assert phone.register() == 200


def test_ban_limit_setting_applies_from_next_start(pbx: RunningPbx) -> None:
    result = pbx.minipbx("config", "set", "ban_after_failures", "2")
    assert "next start" in result.stdout
    pbx.stop()
    pbx.start()
    pbx.add_extension("101")
    attacker = RawSip("127.0.0.31", ("127.0.0.1", pbx.sip_port))
    try:
        assert status_code(attacker.register_with("101", "guess-0-password")) == 401
        assert attacker.register_with("101", "guess-1-password") is None
        assert attacker.send(attacker.request("OPTIONS", "101")) is None
    finally:
        attacker.close()


def test_scanner_user_agents_are_dropped(pbx: RunningPbx) -> None:
    client = RawSip("127.0.0.40", ("127.0.0.1", pbx.sip_port))
    try:
        for agent in ("friendly-scanner", "sipvicious", "SIPVicious 0.3.4", "sipcli/v1.8"):
            assert client.send(client.request("OPTIONS", "101", user_agent=agent)) is None, agent
        assert status_code(client.send(client.request("OPTIONS", "101", user_agent="Yealink T46U"))) == 200
    finally:
        client.close()


def test_malformed_requests_get_no_answer_and_do_not_hurt(pbx: RunningPbx) -> None:
    client = RawSip("127.0.0.50", ("127.0.0.1", pbx.sip_port))
    try:
        for junk in (b"\x00\xff" * 300, b"INVITE\r\n\r\n", b"REGISTER sip:x SIP/2.0\r\nVia: nonsense\r\n\r\n",
                     b"SIP/2.0 200 OK\r\n\r\n", "OPTIONS sip:\u00e9 SIP/2.0\r\n\r\n".encode()):
            assert client.send(junk, timeout=0.3) is None
        assert status_code(client.send(client.request("OPTIONS", "101"))) == 200
    finally:
        client.close()
    assert pbx.phone("101").register() == 200


def test_unauthenticated_call_is_challenged_and_never_rings(pbx: RunningPbx) -> None:
    callee = pbx.phone("102")
    client = RawSip("127.0.0.60", ("127.0.0.1", pbx.sip_port))
    sdp_less = client.request("INVITE", "102", extra="X-Minipbx-User: 101\r\n")
    try:
        # A forged identity header is not trusted: the edge still wants credentials.
        assert status_code(client.send(sdp_less)) == 407
    finally:
        client.close()
    callee.expect_no("incoming", within=1.0)
