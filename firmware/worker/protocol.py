"""The brain <-> call worker protocol (documented in docs/worker-protocol.md).

One JSON object per line over a socketpair the brain hands the worker at start.
Every message has a "type". Commands flow brain -> worker, events worker -> brain.
Legs are named by tokens: the brain names the legs it asks for (dial), the worker
names incoming legs "w<worker>-<n>".

Each message type is a TypedDict below; the tables the socket readers validate
against (required fields and their JSON types) are made from those classes, so the
declaration is the one source of truth. A line is refused with a ProtocolError that
names what is wrong: not JSON, an unknown type, a missing field, a field of the wrong
type. The line gateway's host <-> agent link uses the same machinery with its own
tables (firmware/gateway/wire.py).
"""
from __future__ import annotations

import json
import os
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any, Literal, NotRequired, TypedDict

Message = dict[str, Any]

# A worker that cannot bind its SIP port (another program took it after the brain chose
# it) exits with this code before its hello; the brain then tries another port.
PORT_TAKEN_EXIT = os.EX_TEMPFAIL


# ---- commands (brain -> worker) --------------------------------------------------------
class Answer(TypedDict):
    type: Literal["answer"]
    leg: str
    code: int


class Dial(TypedDict):
    type: Literal["dial"]
    leg: str
    uri: str
    from_uri: str
    headers: NotRequired[dict[str, str]]
    may_transfer: NotRequired[bool]


class Hangup(TypedDict):
    type: Literal["hangup"]
    leg: str
    code: NotRequired[int]
    reason: NotRequired[str]


class Bridge(TypedDict):
    type: Literal["bridge"]
    a: str
    b: str


class Unbridge(TypedDict):
    type: Literal["unbridge"]
    a: str
    b: str


class RoomJoin(TypedDict):
    """The leg joins a conference room of this worker: it hears every other member, and they it."""
    type: Literal["room_join"]
    room: str
    leg: str


class RoomLeave(TypedDict):
    type: Literal["room_leave"]
    room: str
    leg: str


class RoomMute(TypedDict):
    """A muted member hears the room; the room does not hear it."""
    type: Literal["room_mute"]
    room: str
    leg: str
    muted: bool


class Music(TypedDict):
    type: Literal["music"]
    leg: str
    files: list[str]


class StopMusic(TypedDict):
    type: Literal["stop_music"]
    leg: str


class AllowTransfer(TypedDict):
    type: Literal["allow_transfer"]
    leg: str


class Tone(TypedDict):
    type: Literal["tone"]
    leg: str
    segments: list[list[int]]
    loop: NotRequired[bool]
    # A beep heard over the conversation: a bridge neither stops it nor is stopped by it.
    over: NotRequired[bool]


class StopTone(TypedDict):
    type: Literal["stop_tone"]
    leg: str


class Play(TypedDict):
    type: Literal["play"]
    leg: str
    id: str
    files: list[str]
    loop: NotRequired[bool]


class StopPlay(TypedDict):
    type: Literal["stop_play"]
    leg: str


class Record(TypedDict):
    type: Literal["record"]
    leg: str
    id: str
    path: str
    # Checked by the worker itself, which answers a bad value with `recorded` reason `error`.
    max_seconds: Any
    # A conversation's recording: what arrives from this other leg is mixed in too.
    also: NotRequired[str]
    # 'pcm' (16-bit, the default) or 'ulaw' (G.711, 8 bits a sample: half the size).
    format: NotRequired[str]


class StopRecord(TypedDict):
    type: Literal["stop_record"]
    leg: str


class SendDtmf(TypedDict):
    type: Literal["dtmf"]
    leg: str
    digits: str


class StatusRequest(TypedDict):
    type: Literal["status"]


# ---- events (worker -> brain) ------------------------------------------------------------
class Hello(TypedDict):
    type: Literal["hello"]
    worker: int
    capacity: int
    pid: int


class Incoming(TypedDict):
    type: Literal["incoming"]
    leg: str
    call_id: str
    from_user: str
    to_user: str
    from_name: NotRequired[str]
    auth_user: NotRequired[str]
    trunk: NotRequired[str]
    did: NotRequired[str]
    link: NotRequired[str]
    source: NotRequired[str]


class Progress(TypedDict):
    type: Literal["progress"]
    leg: str
    code: int


class Answered(TypedDict):
    type: Literal["answered"]
    leg: str
    call_id: NotRequired[str]


class MediaUp(TypedDict):
    type: Literal["media"]
    leg: str


class DtmfReceived(TypedDict):
    type: Literal["dtmf"]
    leg: str
    digit: str


class Held(TypedDict):
    type: Literal["held"]
    leg: str


class Resumed(TypedDict):
    type: Literal["resumed"]
    leg: str


class Refer(TypedDict):
    type: Literal["refer"]
    leg: str
    target: str


class Played(TypedDict):
    type: Literal["played"]
    leg: str
    id: str
    stopped: NotRequired[bool]
    error: NotRequired[str]


class Recorded(TypedDict):
    type: Literal["recorded"]
    leg: str
    id: str
    path: str
    seconds: float
    reason: str
    error: NotRequired[str]


class Ended(TypedDict):
    type: Literal["ended"]
    leg: str
    code: int
    reason: str
    by: NotRequired[str]


class WorkerError(TypedDict):
    type: Literal["error"]
    message: str
    leg: NotRequired[str | None]


class Status(TypedDict):
    type: Literal["status"]
    legs: NotRequired[int]
    capacity: NotRequired[int]
    bridges: NotRequired[int]
    tokens: NotRequired[list[str]]
    music: NotRequired[int]
    music_players: NotRequired[int]
    rooms: NotRequired[dict[str, list[str]]]


class ProtocolError(ValueError):
    """A line that is not a valid message; the text says what is wrong."""


class MessageTable(Mapping[str, tuple[str, ...]]):
    """Message type -> its required fields (as a mapping), plus every field's JSON type."""

    def __init__(self, *classes: type) -> None:
        self._required: dict[str, tuple[str, ...]] = {}
        self._types: dict[str, dict[str, tuple[type, ...]]] = {}
        for cls in classes:
            # With postponed annotations Python 3.11 cannot see NotRequired when it makes the
            # class, so which fields are required is read from the hints themselves.
            hints = typing.get_type_hints(cls, include_extras=True)
            kind = typing.get_args(hints["type"])[0]
            fields = {name: _json_types(hint) for name, hint in hints.items() if name != "type"}
            self._required[kind] = tuple(name for name, hint in hints.items()
                                         if name != "type" and typing.get_origin(hint) is not NotRequired)
            self._types[kind] = fields

    def __getitem__(self, kind: str) -> tuple[str, ...]:
        return self._required[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._required)

    def __len__(self) -> int:
        return len(self._required)

    def check(self, message: Message) -> None:
        """Raise ProtocolError unless every field the message's type declares has its JSON type."""
        declared = self._types[message["type"]]
        for name, value in message.items():
            accepted = declared.get(name)
            if accepted is None or object in accepted:
                continue  # a field a newer peer adds is passed on; an Any field takes anything
            # bool is an int to Python, never to the protocol.
            if (isinstance(value, bool) and bool not in accepted) or not isinstance(value, accepted):
                raise ProtocolError(f"{message['type']} field {name} = {value!r:.60} is not "
                                    f"{' or '.join(t.__name__ for t in accepted)}")


def _json_types(hint: Any) -> tuple[type, ...]:
    """The Python types a JSON value may decode to for this annotation."""
    origin = typing.get_origin(hint)
    if origin is NotRequired:
        return _json_types(typing.get_args(hint)[0])
    if origin in (typing.Union, types.UnionType):
        return tuple(t for arg in typing.get_args(hint) for t in _json_types(arg))
    if hint is Any:
        return (object,)
    if hint is type(None):
        return (type(None),)
    if hint is float:
        return (float, int)
    base = origin or hint
    return (base,)


COMMANDS = MessageTable(Answer, Dial, Hangup, Bridge, Unbridge, RoomJoin, RoomLeave, RoomMute, Music, StopMusic,
                        AllowTransfer, Tone, StopTone, Play, StopPlay, Record, StopRecord, SendDtmf, StatusRequest)
EVENTS = MessageTable(Hello, Incoming, Progress, Answered, MediaUp, DtmfReceived, Held, Resumed, Refer, Played,
                      Recorded, Ended, WorkerError, Status)
# Both tables in one, by type; where a command and an event share a type, the event's fields.
REQUIRED: Mapping[str, tuple[str, ...]] = {**COMMANDS, **EVENTS}


def encode(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes, accepted: MessageTable) -> Message:
    """Parse one line; raise ProtocolError unless it is a complete, well-typed message of a type in
    `accepted` (COMMANDS or EVENTS)."""
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"not JSON: {line[:80]!r} ({exc})") from None
    except RecursionError:
        raise ProtocolError(f"JSON nested too deeply: {line[:80]!r}") from None
    return check(message, accepted, line)


def check(message: object, accepted: MessageTable, raw: bytes = b"") -> Message:
    """The message itself, if it is a complete, well-typed message of a type in `accepted`."""
    shown = raw[:80] if raw else repr(message)[:80]
    if not isinstance(message, dict):
        raise ProtocolError(f"not a JSON object: {shown!r}")
    kind = message.get("type")
    # A list or object as "type" is not hashable; it must be refused, not crash the reader.
    if not isinstance(kind, str) or kind not in accepted:
        raise ProtocolError(f"unknown message type {kind!r}; accepted: {', '.join(sorted(accepted))}")
    missing = [field for field in accepted[kind] if field not in message]
    if missing:
        raise ProtocolError(f"{kind} message lacks {', '.join(missing)}: {(raw or repr(message).encode())[:120]!r}")
    accepted.check(message)
    return message
