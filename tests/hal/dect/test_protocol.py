"""DECT frame coding, with noise, damage and frames split across reads."""

from __future__ import annotations

import struct

import pytest

from hal.dect.protocol import (
    SYNC,
    Frame,
    FrameDecoder,
    FrameError,
    FrameType,
    Melody,
    crc16,
    encode,
    parse_ring_payload,
    ring_payload,
)


def test_a_frame_round_trips_and_has_the_documented_layout() -> None:
    frame = Frame(FrameType.RING, 3, 17, b"\x01\x02ab")
    wire = encode(frame)
    assert wire[:2] == SYNC
    assert wire[2:7] == bytes([0x05, 3, 17, 4, 0])
    assert struct.unpack("<H", wire[-2:])[0] == crc16(wire[2:-2])
    assert FrameDecoder().feed(wire) == [frame]


def test_crc_is_ccitt_false() -> None:
    assert crc16(b"123456789") == 0x29B1


def test_frames_split_byte_by_byte_are_reassembled() -> None:
    frames = [Frame(FrameType.OFF_HOOK, 1, 0), Frame(FrameType.AUDIO_IN, 1, 0, bytes(160))]
    wire = b"".join(encode(f) for f in frames)
    decoder = FrameDecoder()
    out = [item for byte in wire for item in decoder.feed(bytes([byte]))]
    assert out == frames


def test_noise_before_a_frame_is_reported_and_skipped() -> None:
    out = FrameDecoder().feed(b"\x00garbage" + encode(Frame(FrameType.ON_HOOK, 2, 0)))
    assert isinstance(out[0], FrameError) and "8 bytes without a frame start" in out[0].reason
    assert out[1] == Frame(FrameType.ON_HOOK, 2, 0)


def test_a_damaged_frame_is_dropped_and_the_next_one_is_found() -> None:
    damaged = bytearray(encode(Frame(FrameType.DIGITS, 1, 0, b"123")))
    damaged[8] ^= 0xFF
    good = encode(Frame(FrameType.DIGITS, 1, 0, b"456"))
    out = FrameDecoder().feed(bytes(damaged) + good)
    assert any(isinstance(item, FrameError) and item.reason == "CRC mismatch" for item in out)
    assert out[-1] == Frame(FrameType.DIGITS, 1, 0, b"456")


def test_an_impossible_length_does_not_swallow_the_stream() -> None:
    bogus = SYNC + bytes([0x44, 1, 0]) + struct.pack("<H", 60000)
    good = encode(Frame(FrameType.OFF_HOOK, 1, 0))
    out = FrameDecoder().feed(bogus + good)
    assert isinstance(out[0], FrameError) and "exceeds 512" in out[0].reason
    assert out[-1] == Frame(FrameType.OFF_HOOK, 1, 0)


def test_unknown_frame_types_are_reported() -> None:
    body = bytes([0x33, 1, 0, 0, 0])
    out = FrameDecoder().feed(SYNC + body + struct.pack("<H", crc16(body)))
    assert out == [FrameError("unknown frame type 0x33", body)]


def test_ring_payload() -> None:
    payload = ring_payload(Melody.INTERNAL, "201", "Reception")
    assert parse_ring_payload(payload) == (Melody.INTERNAL, "201", "Reception")
    with pytest.raises(ValueError):
        parse_ring_payload(b"\x01\x09ab")


def test_oversized_payloads_are_refused() -> None:
    with pytest.raises(ValueError, match="limit is 512"):
        encode(Frame(FrameType.DISPLAY, 1, 0, bytes(600)))


def test_subscription_and_location_frames_have_the_documented_layout() -> None:
    # SUBSCRIPTION: open the registration window for 120 s; LOCATION: handset 2 is now in cell 3.
    window = encode(Frame(FrameType.SUBSCRIPTION, 0, 9, bytes([120])))
    assert window[2:8] == bytes([0x02, 0, 9, 1, 0, 120])
    location = encode(Frame(FrameType.LOCATION, 2, 0, bytes([3])))
    assert location[2:8] == bytes([0x49, 2, 0, 1, 0, 3])
    assert FrameDecoder().feed(window + location) == [Frame(FrameType.SUBSCRIPTION, 0, 9, b"\x78"),
                                                       Frame(FrameType.LOCATION, 2, 0, b"\x03")]
