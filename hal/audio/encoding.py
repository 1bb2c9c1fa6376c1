"""Sample encodings used on device wires, converted to and from 16-bit linear PCM.

Plain Python with lookup tables rather than numpy: 160 samples a frame cost microseconds
either way, and the line host, which converts DECT and FXO audio, does not then carry numpy
(~7 MiB) while idle.
"""

from __future__ import annotations

import array
import sys

_LITTLE = sys.byteorder == "little"


def _samples(pcm: bytes) -> array.array[int]:
    samples = array.array("h", pcm[: len(pcm) - len(pcm) % 2])
    if not _LITTLE:
        samples.byteswap()
    return samples


def _byte_tables(table: array.array[int]) -> tuple[bytes, bytes]:
    """A 256-entry table of 16-bit samples as two translation tables: low bytes, high bytes."""
    return bytes(v & 0xFF for v in table), bytes((v >> 8) & 0xFF for v in table)


def _expand(data: bytes, tables: tuple[bytes, bytes]) -> bytes:
    """Each byte -> its 16-bit LE sample: two byte translations (C speed), interleaved."""
    low, high = tables
    out = bytearray(2 * len(data))
    out[0::2] = data.translate(low)
    out[1::2] = data.translate(high)
    return bytes(out)


# 8-bit unsigned <-> 16-bit: the high byte, offset by 128 (each table maps one byte to one byte).
_TO_UNSIGNED8 = bytes((b + 128) & 0xFF for b in range(256))
_FROM_UNSIGNED8 = _byte_tables(array.array("h", ((u - 128) << 8 for u in range(256))))


def linear16_to_unsigned8(pcm: bytes) -> bytes:
    """16-bit signed LE -> 8-bit unsigned (V.253 compression method 1, 'UNSIGNED PCM')."""
    return pcm[1: len(pcm) - len(pcm) % 2: 2].translate(_TO_UNSIGNED8)


def unsigned8_to_linear16(data: bytes) -> bytes:
    return _expand(data, _FROM_UNSIGNED8)


def _alaw_decode_table() -> array.array[int]:
    # ITU-T G.711 A-law expansion, computed once for all 256 code words.
    table = array.array("h", bytes(512))
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


def _alaw_code(sample13: int) -> int:
    """G.711 A-law code word of a 13-bit signed sample (the 16-bit one >> 3)."""
    sign_mask = 0xD5 if sample13 >= 0 else 0x55
    magnitude = sample13 if sample13 >= 0 else -sample13 - 1
    segment = next((i for i, end in enumerate(_SEGMENT_ENDS) if magnitude <= end), 8)
    shift = 1 if segment < 2 else segment
    code = 0x7F if segment >= 8 else (segment << 4) | ((magnitude >> shift) & 0x0F)
    return (code ^ sign_mask) & 0xFF


_ALAW_DECODE = _byte_tables(_alaw_decode_table())
_SEGMENT_ENDS = tuple(end >> 3 for end in (0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF))
# Every 13-bit sample's code word, indexed by the sample + 4096 (8 KiB).
_ALAW_ENCODE = bytes(_alaw_code(s) for s in range(-4096, 4096))


def linear16_to_alaw(pcm: bytes) -> bytes:
    """16-bit signed LE -> G.711 A-law bytes."""
    table = _ALAW_ENCODE
    return bytes([table[(s >> 3) + 4096] for s in _samples(pcm)])


def alaw_to_linear16(data: bytes) -> bytes:
    return _expand(data, _ALAW_DECODE)
