"""The link between the line host and its SIP agents (docs/line-gateway.md).

A Unix SOCK_SEQPACKET socket: every send is one record, delivered whole and in
order, so control messages and audio frames share it without any framing code.
- control: b"J" + one JSON object (a "type" and its fields);
- audio: b"A" + one byte slot number + 320 bytes (20 ms, 8 kHz, 16-bit LE mono).
A slot is the number the host gives a port for the life of the host process.
"""
from __future__ import annotations

import contextlib
import json
import socket
from typing import Any

Message = dict[str, Any]

CONTROL = b"J"
AUDIO = b"A"
FRAME_BYTES = 320
MAX_RECORD = 65536


def control(message: Message) -> bytes:
    return CONTROL + json.dumps(message, separators=(",", ":")).encode()


def audio(slot: int, frame: bytes) -> bytes:
    return AUDIO + bytes([slot]) + frame


def parse(record: bytes) -> tuple[int, bytes] | Message | None:
    """(slot, frame) for audio, a dict for control, None for anything malformed."""
    if record[:1] == AUDIO and len(record) == 2 + FRAME_BYTES:
        return record[1], record[2:]
    if record[:1] == CONTROL:
        try:
            message = json.loads(record[1:])
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
        if isinstance(message, dict) and isinstance(message.get("type"), str):
            return message
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
