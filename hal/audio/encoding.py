"""Sample encodings used on device wires, converted to and from 16-bit linear PCM."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def linear16_to_unsigned8(pcm: bytes) -> bytes:
    """16-bit signed LE -> 8-bit unsigned (V.253 compression method 1, 'UNSIGNED PCM')."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2")
    return ((samples.astype(np.int32) >> 8) + 128).astype(np.uint8).tobytes()


def unsigned8_to_linear16(data: bytes) -> bytes:
    samples = np.frombuffer(data, dtype=np.uint8).astype(np.int16)
    return ((samples - 128) << 8).astype("<i2").tobytes()


def _alaw_decode_table() -> npt.NDArray[np.int16]:
    # ITU-T G.711 A-law expansion, computed once for all 256 code words.
    table = np.zeros(256, dtype=np.int16)
    for code in range(256):
        value = code ^ 0x55
        mantissa = (value & 0x0F) << 4
        segment = (value & 0x70) >> 4
        if segment == 0:
            magnitude = mantissa + 8
        elif segment == 1:
            magnitude = mantissa + 0x108
        else:
            magnitude = (mantissa + 0x108) << (segment - 1)
        table[code] = magnitude if value & 0x80 else -magnitude
    return table


_ALAW_DECODE = _alaw_decode_table()
_SEGMENT_ENDS = np.array([0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF])


def linear16_to_alaw(pcm: bytes) -> bytes:
    """16-bit signed LE -> G.711 A-law bytes."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.int32) >> 3
    sign_mask = np.where(samples >= 0, 0xD5, 0x55)
    magnitude = np.where(samples >= 0, samples, -samples - 1)
    segment = np.searchsorted(_SEGMENT_ENDS >> 3, magnitude, side="left")
    shift = np.where(segment < 2, 1, segment)
    mantissa = (magnitude >> shift) & 0x0F
    code = np.where(segment >= 8, 0x7F, (np.minimum(segment, 7) << 4) | mantissa)
    return ((code ^ sign_mask) & 0xFF).astype(np.uint8).tobytes()


def alaw_to_linear16(data: bytes) -> bytes:
    return _ALAW_DECODE[np.frombuffer(data, dtype=np.uint8)].astype("<i2").tobytes()
