"""The link between the line host and its SIP agents (docs/line-gateway.md).

A Unix SOCK_SEQPACKET socket: every send is one record, delivered whole and in
order, so control messages and audio frames share it without any framing code.
- control: b"J" + one JSON object (a "type" and its fields);
- audio: b"A" + one byte slot number + 320 bytes (20 ms, 8 kHz, 16-bit LE mono).
A slot is the number the host gives a port for the life of the host process.

Control messages are declared below as TypedDicts and checked on arrival by the same
machinery as the brain <-> worker protocol (firmware/worker/protocol.py): a record that
is not a complete, well-typed message of its direction is dropped and logged.
"""
from __future__ import annotations

import contextlib
import json
import logging
import socket
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict

from firmware.worker.protocol import MessageTable, ProtocolError, check

Message = dict[str, Any]
log = logging.getLogger("minipbx.gateway.wire")
# The address the SIP agents bind and register from: the edge sees the ports' logins come from it.
# Here, not in agents.py, so that an agent process does not import the host's line machinery.
AGENT_SIP_HOST = "127.0.0.1"


def socket_path(run_dir: Path) -> Path:
    """The line host's socket its agents connect to (here for the brain, which starts them)."""
    return run_dir / "gateway.sock"


# ---- host -> agent -------------------------------------------------------------------------
class PortAccountEntry(TypedDict):
    slot: int
    port: str
    user: str
    password: str


class Assign(TypedDict):
    type: Literal["assign"]
    edge: str
    # The table checks that this is a list; the agent reads each entry's fields as declared here.
    accounts: list[PortAccountEntry]


class Release(TypedDict):
    """The port of `slot` went (a DECT handset deregistered): unregister its account."""
    type: Literal["release"]
    slot: int


class PlaceCall(TypedDict):
    type: Literal["call"]
    slot: int
    call: str
    uri: str
    display: NotRequired[str]


class AnswerCall(TypedDict):
    type: Literal["answer"]
    call: str
    code: int


class HangupCall(TypedDict):
    type: Literal["hangup"]
    call: str
    code: NotRequired[int]


class SendDigits(TypedDict):
    type: Literal["dtmf"]
    call: str
    digits: str


# ---- agent -> host -------------------------------------------------------------------------
class AgentHello(TypedDict):
    type: Literal["hello"]
    index: int
    pid: int


class Registered(TypedDict):
    type: Literal["registered"]
    slot: int
    code: int
    active: bool


class PortIncoming(TypedDict):
    type: Literal["incoming"]
    slot: int
    call: str
    from_user: str
    from_name: str
    dial: str
    intercom: bool  # the PBX asked the phone to answer by itself: ring it apart


class PortProgress(TypedDict):
    type: Literal["progress"]
    call: str
    code: int


class PortAnswered(TypedDict):
    type: Literal["answered"]
    call: str


class PortMedia(TypedDict):
    type: Literal["media"]
    call: str


class PortEnded(TypedDict):
    type: Literal["ended"]
    call: str
    code: int
    reason: str


class PortMwi(TypedDict):
    type: Literal["mwi"]
    slot: int
    waiting: bool
    new: int
    saved: int


class DigitReceived(TypedDict):
    type: Literal["dtmf"]
    call: str
    digit: str


TO_AGENT = MessageTable(Assign, Release, PlaceCall, AnswerCall, HangupCall, SendDigits)
FROM_AGENT = MessageTable(AgentHello, Registered, PortIncoming, PortProgress, PortAnswered, PortMedia, PortEnded,
                          PortMwi, DigitReceived)

CONTROL = b"J"
AUDIO = b"A"
FRAME_BYTES = 320
MAX_RECORD = 65536


def control(message: Message) -> bytes:
    return CONTROL + json.dumps(message, separators=(",", ":")).encode()


def audio(slot: int, frame: bytes) -> bytes:
    return AUDIO + bytes([slot]) + frame


def parse(record: bytes, accepted: MessageTable) -> tuple[int, bytes] | Message | None:
    """(slot, frame) for audio, a checked message for control (of a type in `accepted`: TO_AGENT
    or FROM_AGENT), None for anything malformed (logged)."""
    if record[:1] == AUDIO and len(record) == 2 + FRAME_BYTES:
        return record[1], record[2:]
    if record[:1] == CONTROL:
        try:
            return check(json.loads(record[1:]), accepted, record[1:])
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            # ProtocolError is a ValueError: a wrong message and a broken one are both dropped.
            log.warning("dropped a control record: %s", exc if isinstance(exc, ProtocolError) else "not JSON")
            return None
    log.warning("dropped a record of %d bytes that is neither audio nor control", len(record))
    return None


def listen(path: str) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server.bind(path)
    server.listen(16)
    return server


def connect(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.connect(path)
    return sock


def send_audio(sock: socket.socket, slot: int, frame: bytes) -> None:
    """Never blocks: a frame that does not fit now is stale by the next one anyway."""
    with contextlib.suppress(BlockingIOError, OSError):
        sock.send(audio(slot, frame), socket.MSG_DONTWAIT)
