"""Reading an incoming INVITE: the fields the brain needs, and no exception whatever arrives."""
from __future__ import annotations

import os
import random

import pytest

from firmware.worker.sipmsg import parse_invite

# An INVITE as the edge relays it to a worker (Linphone behind Kamailio).
LINPHONE_INVITE = (
    "INVITE sip:102@127.0.0.1:40001 SIP/2.0\r\n"
    "Record-Route: <sip:127.0.0.1;lr>\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK3b5e.1\r\n"
    "Via: SIP/2.0/UDP 192.168.1.23:5062;rport=5062;branch=z9hG4bK.4Gx\r\n"
    "From: \"Reception Desk\" <sip:101@192.168.1.10>;tag=eJ8KCvmWb\r\n"
    "To: <sip:102@192.168.1.10>\r\n"
    "CSeq: 20 INVITE\r\n"
    "Call-ID: Zx6m6bhRxW@192.168.1.23\r\n"
    "Max-Forwards: 69\r\n"
    "Supported: replaces, outbound, gruu\r\n"
    "Contact: <sip:101@192.168.1.23:5062;transport=udp>;+sip.instance=\"<urn:uuid:1>\"\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 41\r\n"
    "User-Agent: Linphone Desktop/5.2.4 (belle-sip/5.2.94)\r\n"
    "X-Minipbx-User: 101\r\n"
    "\r\n"
    "v=0\r\no=101 1 1 IN IP4 192.168.1.23\r\nFrom: x\r\n"
)


def test_real_invite_gives_the_fields_the_brain_needs() -> None:
    invite = parse_invite(LINPHONE_INVITE)
    assert invite.request_user == "102"
    assert invite.from_user == "101"
    assert invite.from_name == "Reception Desk"
    assert invite.to_user == "102"
    assert invite.call_id == "Zx6m6bhRxW@192.168.1.23"
    assert invite.headers["x-minipbx-user"] == "101"
    assert invite.headers["user-agent"].startswith("Linphone Desktop")
    # The first Via is the edge's; the body's lines are not headers.
    assert invite.headers["via"].endswith("branch=z9hG4bK3b5e.1")
    assert invite.headers["from"].startswith('"Reception Desk"')


def test_bare_newlines_instead_of_crlf_are_read_too() -> None:
    invite = parse_invite(LINPHONE_INVITE.replace("\r\n", "\n"))
    assert (invite.request_user, invite.from_user, invite.to_user) == ("102", "101", "102")


def test_compact_header_forms() -> None:
    invite = parse_invite(
        "INVITE sip:103@127.0.0.1:40001;transport=udp SIP/2.0\r\n"
        "v: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
        "f: Anna <sip:104@minipbx>;tag=1\r\n"
        "t: sip:103@minipbx\r\n"
        "i: compact-call-id\r\n"
        "m: <sip:104@127.0.0.5:5070>\r\n"
        "l: 0\r\n\r\n"
    )
    assert (invite.request_user, invite.from_user, invite.from_name, invite.to_user) == (
        "103", "104", "Anna", "103")
    assert invite.call_id == "compact-call-id"
    assert invite.headers["contact"] == "<sip:104@127.0.0.5:5070>"


def test_header_names_are_case_insensitive_and_the_first_one_counts() -> None:
    invite = parse_invite(
        "INVITE sips:105@pbx SIP/2.0\r\nFROM: <SIPS:106@pbx>;tag=a\r\ncall-id: one\r\n"
        "CALL-ID: two\r\nTO: <sip:105@pbx>\r\n\r\n"
    )
    assert (invite.request_user, invite.from_user, invite.to_user, invite.call_id) == (
        "105", "106", "105", "one")


@pytest.mark.parametrize(
    ("from_header", "name", "user"),
    [
        ('"Bob \\"The Boss\\" Smith" <sip:101@pbx>;tag=1', 'Bob "The Boss" Smith', "101"),
        ('"C:\\\\Users\\\\bob" <sip:101@pbx>;tag=1', "C:\\Users\\bob", "101"),
        ('"  padded  " <sip:101@pbx>', "padded", "101"),
        ('"" <sip:101@pbx>', "", "101"),
        ('"Müller, Jürgen" <sip:101@pbx>', "Müller, Jürgen", "101"),
        ('"a <b> c" <sip:101@pbx>', "a <b> c", "101"),
        ("Plain Name <sip:101@pbx>;tag=1", "Plain Name", "101"),
        ("Plain Name<sip:101@pbx>", "Plain Name", "101"),
        ("<sip:101@pbx>;tag=1", "", "101"),
        ("sip:101@pbx;tag=1", "", "101"),
        # A display name that looks like a SIP address must not become the caller.
        ('"sip:999@evil" <sip:101@pbx>;tag=1', "sip:999@evil", "101"),
        ("anonymous <sip:anonymous@anonymous.invalid>", "anonymous", "anonymous"),
        ('"unterminated <sip:101@pbx>', "", "101"),
        ("<tel:+4930123456>", "", ""),
    ],
)
def test_display_names_with_quotes_and_escapes(from_header: str, name: str, user: str) -> None:
    invite = parse_invite(f"INVITE sip:102@pbx SIP/2.0\r\nFrom: {from_header}\r\nTo: <sip:102@pbx>\r\n\r\n")
    assert invite.from_name == name
    assert invite.from_user == user


def test_missing_headers_give_empty_fields() -> None:
    invite = parse_invite("INVITE sip:102@pbx SIP/2.0\r\n\r\n")
    assert (invite.request_user, invite.from_user, invite.from_name, invite.to_user, invite.call_id) == (
        "102", "", "", "", "")
    assert invite.headers == {}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\r\n\r\n",
        "INVITE",
        "INVITE sip:nobody SIP/2.0",
        "garbage without any structure",
        ":::\r\n:\r\nFrom:\r\nTo\r\n",
        "INVITE sip:@ SIP/2.0\r\nFrom: <sip:@>\r\nFrom: \"\r\n",
        '\x00\x01\x02From: "\\',
        "INVITE sip:102@pbx SIP/2.0\r\nFrom: \"\\\r\n\r\n",
        "\ufeffINVITE sip:102@pbx SIP/2.0\r\nFrom: <sip:101@pbx\r\n",
    ],
)
def test_garbage_gives_empty_fields_not_an_exception(text: str) -> None:
    invite = parse_invite(text)
    assert isinstance(invite.from_user, str) and isinstance(invite.headers, dict)


def test_random_bytes_never_raise() -> None:
    rng = random.Random(20250314)
    pieces = ["From:", "f:", "To:", "t:", "i:", '"', "\\", "<", ">", "sip:", "@", "\r\n", ";", " ", "INVITE "]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(30)))
        parse_invite(text)
    for _ in range(200):
        parse_invite(os.urandom(rng.randrange(400)).decode("latin-1"))


@pytest.mark.timeout(10)
def test_huge_from_header_does_not_stall_the_worker() -> None:
    # 60 KB of blanks in a From header fits one UDP datagram; a backtracking parser spends
    # seconds on each, which the timeout catches (a linear one takes milliseconds).
    for _ in range(3):
        for filler in ("x" + " " * 60_000 + "y", '"' + "\\x" * 30_000, "a " * 30_000):
            invite = parse_invite(f"INVITE sip:102@pbx SIP/2.0\r\nFrom: {filler}\r\nTo: {filler}<\r\n\r\n")
            assert invite.from_user == ""
