"""The brain <-> worker line protocol: good messages survive a round trip, bad lines are named."""
from __future__ import annotations

import json

import pytest

from firmware.worker.protocol import COMMANDS, EVENTS, REQUIRED, ProtocolError, decode, encode


@pytest.mark.parametrize(
    "message",
    [
        {"type": "dial", "leg": "b1", "uri": "sip:102@127.0.0.1:5060", "from_uri": "sip:101@minipbx"},
        {"type": "tone", "leg": "w1-3", "segments": [[425, 1000], [0, 4000]]},
        {"type": "bridge", "a": "w1-1", "b": "b7"},
        {"type": "status"},
    ],
)
def test_command_round_trip(message: dict[str, object]) -> None:
    line = encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode(line, COMMANDS) == message


def test_event_round_trip_keeps_unicode_and_extra_fields() -> None:
    message = {"type": "incoming", "leg": "w2-1", "call_id": "x@y", "from_user": "101",
               "to_user": "102", "from_name": "Zoë \"Front\" Désk\n", "auth_user": "101"}
    line = encode(message)
    assert line.count(b"\n") == 1  # a newline inside a value must not split the message
    assert decode(line, EVENTS) == message


def test_decode_accepts_a_line_without_its_newline() -> None:
    assert decode(b'{"type":"hangup","leg":"b1"}', COMMANDS) == {"type": "hangup", "leg": "b1"}


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (b"hello worker\n", "not JSON"),
        (b"", "not JSON"),
        (b"\n", "not JSON"),
        (b'{"type": "hangup", "leg": "b1"\n', "not JSON"),
        (b'{"type":"hangup","leg":"\xff\xfe"}\n', "not JSON"),
        (b"\xc3\x28\xa0\xa1\n", "not JSON"),
        (b"[" * 100_000, "JSON"),
        (b"[]\n", "not a JSON object"),
        (b'"hangup"\n', "not a JSON object"),
        (b"42\n", "not a JSON object"),
        (b"null\n", "not a JSON object"),
        (b'{"leg":"b1"}\n', "unknown message type None"),
        (b'{"type":"explode","leg":"b1"}\n', "unknown message type 'explode'"),
        (b'{"type":["hangup"],"leg":"b1"}\n', "unknown message type ['hangup']"),
        (b'{"type":{"a":1}}\n', "unknown message type {'a': 1}"),
        (b'{"type":"HANGUP","leg":"b1"}\n', "unknown message type 'HANGUP'"),
        (b'{"type":"hangup"}\n', "hangup message lacks leg"),
        (b'{"type":"dial","leg":"b1"}\n', "dial message lacks uri, from_uri"),
        (b'{"type":"bridge","a":"x"}\n', "bridge message lacks b"),
    ],
)
def test_malformed_command_line_is_refused_with_a_reason(line: bytes, says: str) -> None:
    with pytest.raises(ProtocolError) as info:
        decode(line, COMMANDS)
    assert says in str(info.value)


def test_event_is_not_accepted_as_a_command_and_back() -> None:
    with pytest.raises(ProtocolError, match="unknown message type 'incoming'; accepted: allow_transfer, answer"):
        decode(encode({"type": "incoming", "leg": "w1-1", "call_id": "c", "from_user": "1", "to_user": "2"}),
               COMMANDS)
    with pytest.raises(ProtocolError, match="unknown message type 'dial'"):
        decode(encode({"type": "dial", "leg": "b1", "uri": "sip:x@y", "from_uri": "sip:z@y"}), EVENTS)


@pytest.mark.parametrize("kind", sorted(EVENTS))
def test_every_event_lacking_a_field_is_refused(kind: str) -> None:
    for missing in REQUIRED[kind]:
        message = {"type": kind, **{field: "x" for field in REQUIRED[kind] if field != missing}}
        with pytest.raises(ProtocolError, match=f"{kind} message lacks {missing}"):
            decode(json.dumps(message).encode(), EVENTS)


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ({"type": "hangup", "leg": 7}, "hangup field leg = 7 is not str"),
        ({"type": "answer", "leg": "w1-1", "code": "200"}, "answer field code = '200' is not int"),
        ({"type": "answer", "leg": "w1-1", "code": True}, "answer field code = True is not int"),
        ({"type": "play", "leg": "w1-1", "id": "p1", "files": "a.wav"}, "play field files = 'a.wav' is not list"),
        ({"type": "dial", "leg": "b1", "uri": "sip:x@y", "from_uri": "sip:z@y", "headers": ["X"]},
         "dial field headers"),
        ({"type": "music", "leg": "w1-1", "files": None}, "music field files = None is not list"),
    ],
)
def test_a_field_of_the_wrong_type_is_refused_with_its_name(message: dict[str, object], says: str) -> None:
    with pytest.raises(ProtocolError) as info:
        decode(encode(message), COMMANDS)
    assert says in str(info.value)


def test_event_fields_are_typed_too() -> None:
    with pytest.raises(ProtocolError, match="ended field code = 'x' is not int"):
        decode(encode({"type": "ended", "leg": "b1", "code": "x", "reason": ""}), EVENTS)
    # A float field takes a whole number; a field a newer worker adds passes.
    decode(encode({"type": "recorded", "leg": "b1", "id": "r1", "path": "/x.wav", "seconds": 3, "reason": "max",
                   "extra": 1}), EVENTS)
