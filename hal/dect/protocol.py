"""The DECT module protocol: binary frames with a CRC (docs/hardware/dect-module.md).

Binary rather than text because voice for every handset shares the UART with
control: 50 audio frames a second per active handset.
"""

from __future__ import annotations

import binascii
import enum
import struct
from dataclasses import dataclass

SYNC = b"\xa5\x5a"
HEADER = struct.Struct("<BBBH")  # type, handset, seq, payload length
MAX_PAYLOAD = 512
VERSION = 1
AUDIO_BYTES = 160  # 20 ms of G.711 A-law at 8 kHz
IPUI_BYTES = 5


class FrameType(enum.IntEnum):
    # host -> module
    HELLO = 0x01
    SUBSCRIPTION = 0x02
    DEREGISTER = 0x03
    LIST = 0x04
    RING = 0x05
    STOP_RING = 0x06
    CONNECT = 0x07
    RELEASE = 0x08
    DISPLAY = 0x09
    AUDIO_OUT = 0x10
    # module -> host
    HELLO_REPLY = 0x41
    SUBSCRIBED = 0x42
    DEREGISTERED = 0x43
    OFF_HOOK = 0x44
    ON_HOOK = 0x45
    DIGITS = 0x46
    RANGE = 0x47
    BOOT = 0x48
    LOCATION = 0x49
    AUDIO_IN = 0x50
    ACK = 0x7E
    NAK = 0x7F


class NakReason(enum.IntEnum):
    UNKNOWN_TYPE = 1
    BAD_HANDSET = 2
    BAD_PAYLOAD = 3
    WRONG_STATE = 4
    NOT_SUBSCRIBED = 5


class Melody(enum.IntEnum):
    EXTERNAL = 1
    INTERNAL = 2
    DOOR = 3


@dataclass(frozen=True)
class Frame:
    type: FrameType
    handset: int
    seq: int
    payload: bytes = b""


@dataclass(frozen=True)
class FrameError:
    reason: str
    data: bytes


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), over header and payload."""
    return binascii.crc_hqx(data, 0xFFFF)


def encode(frame: Frame) -> bytes:
    if len(frame.payload) > MAX_PAYLOAD:
        raise ValueError(f"DECT frame payload is {len(frame.payload)} bytes, the limit is {MAX_PAYLOAD}")
    body = HEADER.pack(frame.type, frame.handset, frame.seq, len(frame.payload)) + frame.payload
    return SYNC + body + struct.pack("<H", crc16(body))


class FrameDecoder:
    """Finds frames in a byte stream; noise and damaged frames are reported and skipped,
    and decoding resumes at the next sync pattern."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def reset(self) -> None:
        self._buffer.clear()

    def feed(self, data: bytes) -> list[Frame | FrameError]:
        self._buffer += data
        out: list[Frame | FrameError] = []
        while True:
            start = self._buffer.find(SYNC)
            if start < 0:
                # Keep a trailing first sync byte: the second may be in the next read.
                keep = 1 if self._buffer.endswith(SYNC[:1]) else 0
                noise = len(self._buffer) - keep
                if noise:
                    out.append(FrameError(f"{noise} bytes without a frame start", bytes(self._buffer[:16])))
                    del self._buffer[:noise]
                return out
            if start:
                out.append(FrameError(f"{start} bytes without a frame start", bytes(self._buffer[: min(start, 16)])))
                del self._buffer[:start]
            if len(self._buffer) < len(SYNC) + HEADER.size:
                return out
            type_, handset, seq, length = HEADER.unpack_from(self._buffer, len(SYNC))
            if length > MAX_PAYLOAD:
                out.append(FrameError(f"frame length {length} exceeds {MAX_PAYLOAD}", bytes(self._buffer[:9])))
                del self._buffer[:1]
                continue
            total = len(SYNC) + HEADER.size + length + 2
            if len(self._buffer) < total:
                return out
            body = bytes(self._buffer[len(SYNC) : total - 2])
            (crc,) = struct.unpack_from("<H", self._buffer, total - 2)
            if crc != crc16(body):
                out.append(FrameError("CRC mismatch", bytes(self._buffer[: min(total, 16)])))
                # Resync from the next byte: the "frame" may have been noise that looked like sync.
                del self._buffer[:1]
                continue
            del self._buffer[:total]
            try:
                frame_type = FrameType(type_)
            except ValueError:
                out.append(FrameError(f"unknown frame type 0x{type_:02x}", body[:16]))
                continue
            out.append(Frame(frame_type, handset, seq, body[HEADER.size :]))


def ring_payload(melody: Melody, number: str, name: str) -> bytes:
    number_bytes = number.encode("ascii")[:20]
    return bytes([melody, len(number_bytes)]) + number_bytes + name.encode("utf-8")[:32]


def parse_ring_payload(payload: bytes) -> tuple[Melody, str, str]:
    """Raise ValueError if the payload is not melody, number length, number, name."""
    if len(payload) < 2 or payload[1] > len(payload) - 2:
        raise ValueError("RING payload too short")
    melody = Melody(payload[0])
    number = payload[2 : 2 + payload[1]].decode("ascii")
    name = payload[2 + payload[1] :].decode("utf-8")
    return melody, number, name
