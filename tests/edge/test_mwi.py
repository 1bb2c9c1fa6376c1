"""Message-waiting indication (RFC 3842) through the real edge: what phones are told
when the brain says a mailbox changed, and what an outsider cannot make them see."""
from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path

import pytest
import sqlite_utils

from firmware.edge.mwi import (
    MailboxState,
    MessageSummary,
    MwiError,
    message_summary,
    mwi_targets,
    notify_mwi,
    parse_message_summary,
)
from firmware.edge.rpc import EdgeRpcError
from firmware.store.database import open_store
from firmware.store.extensions import realm
from tests.support.pbx import RunningPbx
from tests.support.sip_raw import RawSip, digest_answer, status_code


def _realm(pbx: RunningPbx) -> str:
    db = open_store(pbx.data_dir)
    try:
        return realm(db)
    finally:
        db.conn.close()


def notify(pbx: RunningPbx, mailbox: str, new: int, saved: int) -> None:
    """What the brain does when a mailbox changes."""
    asyncio.run(notify_mwi(pbx.data_dir / "run", pbx.registrar, _realm(pbx), mailbox, new, saved))


def test_every_device_of_the_extension_is_told_and_no_other(pbx: RunningPbx) -> None:
    desk = pbx.phone("101")
    softphone = pbx.phone("101")
    neighbour = pbx.phone("102")
    notify(pbx, "101", 2, 1)
    for device in (desk, softphone):
        event = device.wait("mwi")
        assert (event["waiting"], event["new"], event["saved"]) == (True, 2, 1)
        assert f"Message-Account: sip:101@{_realm(pbx)}" in event["body"]
    neighbour.expect_no("mwi", within=1.5)
    # All heard: the lamps go out.
    notify(pbx, "101", 0, 3)
    for device in (desk, softphone):
        event = device.wait("mwi")
        assert (event["waiting"], event["new"], event["saved"]) == (False, 0, 3)
    neighbour.expect_no("mwi", within=0.5)


def test_a_device_that_registers_later_is_told_at_once(pbx: RunningPbx) -> None:
    notify(pbx, "103", 1, 0)           # nobody registered: nobody to tell yet
    late = pbx.phone("103")
    event = late.wait("mwi")
    assert (event["waiting"], event["new"], event["saved"]) == (True, 1, 0)
    assert not event["in_dialog"]


def _notify_request(client: RawSip, ruri: str, mailbox: str, *, event: str = "message-summary",
                    content_type: str = "application/simple-message-summary", to_tag: str = "",
                    route: str = "") -> str:
    body = f"Messages-Waiting: yes\r\nMessage-Account: sip:{mailbox}@minipbx\r\nVoice-Message: 9/9\r\n"
    return (
        f"NOTIFY {ruri} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {client.bind}:{client.port};branch=z9hG4bK{secrets.token_hex(6)};rport\r\n"
        f"From: <sip:voicemail@{client.server[0]}>;tag={secrets.token_hex(4)}\r\n"
        f"To: <sip:{mailbox}@{client.server[0]}>{';tag=' + to_tag if to_tag else ''}\r\n"
        f"Call-ID: {secrets.token_hex(8)}\r\nCSeq: 1 NOTIFY\r\nMax-Forwards: 70\r\n"
        f"{route}Event: {event}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    )


def test_an_outsiders_message_waiting_notify_never_reaches_a_phone(pbx: RunningPbx) -> None:
    phone = pbx.phone("101")
    edge = f"127.0.0.1:{pbx.sip_port}"
    outsider = RawSip("127.0.0.70", ("127.0.0.1", pbx.sip_port))
    try:
        # To the extension, as the PBX's own NOTIFYs are addressed; any spelling of it.
        for event, content_type in (("message-summary", "application/simple-message-summary"),
                                    ("Message-Summary", "text/plain"),
                                    ("keep-alive", "Application/Simple-Message-Summary")):
            reply = outsider.send(_notify_request(outsider, f"sip:101@{edge}", "101", event=event,
                                                  content_type=content_type))
            assert status_code(reply) == 403, (event, content_type, reply)
        # Dressed up as in-dialog, routed through the edge to the phone's own contact.
        reply = outsider.send(_notify_request(outsider, phone.uri, "101", to_tag="x1",
                                              route=f"Route: <sip:{edge};lr>\r\n"))
        assert status_code(reply) == 403, reply
    finally:
        outsider.close()
    # Not even from another program on the box itself (a worker's address, another port).
    local = RawSip("127.0.0.1", ("127.0.0.1", pbx.sip_port))
    try:
        assert status_code(local.send(_notify_request(local, f"sip:101@{edge}", "101"))) == 403
    finally:
        local.close()
    phone.expect_no("mwi", within=1.5)
    # The PBX's own still get through.
    notify(pbx, "101", 1, 0)
    assert phone.wait("mwi")["new"] == 1


def _subscribe(client: RawSip, user: str, mailbox: str, *, expires: int,
               call_id: str, from_tag: str, cseq: int, auth: str = "") -> str:
    host = f"{client.server[0]}:{client.server[1]}"
    return (
        f"SUBSCRIBE sip:{mailbox}@{host} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {client.bind}:{client.port};branch=z9hG4bK{secrets.token_hex(6)};rport\r\n"
        f"From: <sip:{user}@{host}>;tag={from_tag}\r\nTo: <sip:{mailbox}@{host}>\r\n"
        f"Call-ID: {call_id}\r\nCSeq: {cseq} SUBSCRIBE\r\n"
        f"Contact: <sip:{user}@{client.bind}:{client.port}>\r\nMax-Forwards: 70\r\n"
        f"Event: message-summary\r\nAccept: application/simple-message-summary\r\nExpires: {expires}\r\n"
        f"{auth}Content-Length: 0\r\n\r\n"
    )


def _header(message: str, name: str) -> str:
    match = re.search(rf"^{name}:\s*(.*)$", message, re.IGNORECASE | re.MULTILINE)
    return match.group(1).strip() if match else ""


def test_subscribe_is_accepted_and_told_its_own_mailbox(pbx: RunningPbx) -> None:
    pbx.add_extension("101")
    pbx.add_extension("102")
    notify(pbx, "101", 4, 2)
    notify(pbx, "102", 0, 0)
    client = RawSip("127.0.0.80", ("127.0.0.1", pbx.sip_port))
    host = f"127.0.0.1:{pbx.sip_port}"
    call_id, tag = secrets.token_hex(8), secrets.token_hex(4)
    try:
        challenge = client.send(_subscribe(client, "102", "102", expires=600, call_id=call_id,
                                           from_tag=tag, cseq=1))
        assert status_code(challenge) == 407, challenge
        assert challenge is not None
        # 102 asks about 101's mailbox: it is told about its own, never another's.
        auth = digest_answer("Proxy-Authorization", challenge, "SUBSCRIBE", f"sip:101@{host}", "102",
                             pbx.passwords["102"], _realm(pbx))
        ok = client.send(_subscribe(client, "102", "101", expires=600, call_id=call_id, from_tag=tag,
                                    cseq=2, auth=auth))
        assert status_code(ok) == 200, ok
        assert ok is not None and _header(ok, "Expires") == "600"
        to_tag = re.search(r"^To:.*;tag=([^;\s]+)", ok, re.MULTILINE)
        assert to_tag, ok
        # The state at once, in the new dialog (RFC 6665), so the phone keeps its subscription.
        client.sock.settimeout(3.0)
        notify_msg = client.sock.recv(65536).decode()
        assert notify_msg.startswith("NOTIFY "), notify_msg
        assert _header(notify_msg, "Call-ID") == call_id
        assert to_tag.group(1) in _header(notify_msg, "From") and tag in _header(notify_msg, "To")
        assert _header(notify_msg, "Subscription-State").startswith("active")
        summary = parse_message_summary(notify_msg.split("\r\n\r\n", 1)[1])
        assert summary == MessageSummary(waiting=False, new=0, saved=0)
    finally:
        client.close()


def test_a_phone_that_subscribes_keeps_its_subscription_and_gets_changes(pbx: RunningPbx) -> None:
    phone = pbx.phone("104", mwi_subscribe=True)
    first = phone.wait("mwi")          # the NOTIFY of its subscription: state not known yet
    assert first["in_dialog"]
    notify(pbx, "104", 1, 5)
    event = phone.wait("mwi")
    assert (event["waiting"], event["new"], event["saved"]) == (True, 1, 5)


# ---- without a PBX ----------------------------------------------------------------------------

def test_message_summary_body_reads_back() -> None:
    body = message_summary("101", "minipbx", 3, 7)
    assert body == "Messages-Waiting: yes\r\nMessage-Account: sip:101@minipbx\r\nVoice-Message: 3/7\r\n"
    assert parse_message_summary(body) == MessageSummary(True, 3, 7)
    assert parse_message_summary(message_summary("101", "minipbx", 0, 2)) == MessageSummary(False, 0, 2)


@pytest.mark.parametrize("body, expected", [
    ("", None),
    ("Messages-Waiting: perhaps\r\nVoice-Message: 1/0\r\n", None),
    ("Voice-Message: 1/0\r\n", None),
    ("\x00\xff garbage without colons", None),
    ("messages-waiting:YES\nvoice-message:  2 / 1 (1/0)\n", MessageSummary(True, 2, 1)),
    ("Messages-Waiting: yes\r\nVoice-Message: lots\r\n", MessageSummary(True, 0, 0)),
    ("Messages-Waiting: no\r\nFax-Message: 3/0\r\nVoice-Message: 99999999999/1\r\n", MessageSummary(False, 0, 0)),
])
def test_malformed_message_summaries(body: str, expected: MessageSummary | None) -> None:
    assert parse_message_summary(body) == expected


@pytest.mark.parametrize("mailbox, new, saved", [
    ("101\r\nX-Evil: 1", 1, 0), ("", 1, 0), ("101", -1, 0), ("101", 1, True), ("101", "2", 0),
])
def test_values_that_cannot_go_into_sip_are_refused(tmp_path: Path, mailbox: str, new: object,
                                                     saved: object) -> None:
    with pytest.raises(MwiError):
        asyncio.run(notify_mwi(tmp_path, "127.0.0.1:5060", "minipbx", mailbox, new, saved))  # type: ignore[arg-type]


def test_targets_are_every_mailbox_with_its_counts() -> None:
    db = sqlite_utils.Database(memory=True)
    assert mwi_targets(db) == []       # before voicemail exists
    db.table("mailboxes").insert_all([{"number": "101"}, {"number": "99"}, {"number": "102"}])
    db.table("vm_messages").insert_all([
        {"mailbox": "101", "folder": "new"}, {"mailbox": "101", "folder": "new"},
        {"mailbox": "101", "folder": "saved"}, {"mailbox": "103", "folder": "saved"},
    ])
    assert mwi_targets(db) == [MailboxState("99", 0, 0), MailboxState("101", 2, 1), MailboxState("102", 0, 0),
                               MailboxState("103", 0, 1)]
    assert [t.waiting for t in mwi_targets(db)] == [False, True, False, False]


def test_the_edge_being_down_is_reported(tmp_path: Path) -> None:
    with pytest.raises(EdgeRpcError):
        asyncio.run(notify_mwi(tmp_path, "127.0.0.1:5060", "minipbx", "101", 1, 0))

