"""The WAV files pjmedia's writer makes: their layout, their length, and repair after a crash.

pjmedia writes a header with the RIFF and data sizes at 0 and fills them in when the
recorder closes. A recorder cut short (the worker killed, the power gone) leaves a file
whose samples are all there up to the last flush but whose header says "empty"; some
players refuse it. `repair` sets both sizes from the file's length.

Layouts: 16-bit PCM is RIFF + fmt (16) + data = 44 bytes of header; G.711 (u-law / A-law,
format tags 7 / 6) puts a 'fact' chunk before data = 56 bytes. Chunks are walked, not
assumed, so either reads.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass

PCM, ALAW, ULAW = 1, 6, 7
FORMAT_NAMES = {PCM: "16-bit PCM", ALAW: "G.711 A-law", ULAW: "G.711 u-law"}


class WavFileError(ValueError):
    """The file is not a WAV file this module reads; the text says what is wrong."""


@dataclass(frozen=True)
class WavLayout:
    format_tag: int
    channels: int
    rate: int
    byte_rate: int
    bits: int
    riff_size: int  # as the header says
    data_offset: int  # where the samples start
    data_size: int  # as the header says (0 in a file that was never closed)


def layout(path: str | os.PathLike[str]) -> WavLayout:
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError as exc:
        raise WavFileError(f"{os.fspath(path)}: cannot be read ({exc.strerror or exc})") from None
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise WavFileError(f"{os.fspath(path)}: not a WAV file")
    riff_size = struct.unpack_from("<I", head, 4)[0]
    fmt: tuple[int, int, int, int, int] | None = None
    pos = 12
    while pos + 8 <= len(head):
        chunk, size = head[pos:pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        if chunk == b"fmt " and pos + 24 <= len(head):
            tag, channels, rate, byte_rate, _, bits = struct.unpack_from("<HHIIHH", head, pos + 8)
            fmt = (tag, channels, rate, byte_rate, bits)
        elif chunk == b"data":
            if fmt is None:
                break
            return WavLayout(fmt[0], fmt[1], fmt[2], fmt[3], fmt[4], riff_size, pos + 8, size)
        pos += 8 + size + (size & 1)
    raise WavFileError(f"{os.fspath(path)}: no fmt and data chunks in its header")


def is_closed(path: str | os.PathLike[str]) -> bool:
    """pjmedia has finished the file: the RIFF size is (file size - 8), set as it closes."""
    try:
        size = os.path.getsize(path)
        return layout(path).riff_size == size - 8 > 0
    except (OSError, WavFileError):
        return False


def audio_seconds(path: str | os.PathLike[str]) -> float:
    """Length of the samples in the file, from its size (right for an unfinished file too)."""
    try:
        wav = layout(path)
        size = os.path.getsize(path)
    except (OSError, WavFileError):
        return 0.0
    if wav.byte_rate <= 0:
        return 0.0
    return round(max(0, size - wav.data_offset) / wav.byte_rate, 3)


def repair(path: str | os.PathLike[str]) -> bool:
    """Make the header of a file cut short tell its real length; True if it had to be changed."""
    wav = layout(path)
    size = os.path.getsize(path)
    block = max(1, wav.channels * wav.bits // 8)
    data = max(0, size - wav.data_offset)
    data -= data % block  # a sample cut in half by the crash is not counted
    if wav.riff_size == size - 8 and wav.data_size == data:
        return False
    with open(path, "r+b") as f:
        f.seek(4)
        f.write(struct.pack("<I", size - 8))
        f.seek(wav.data_offset - 4)
        f.write(struct.pack("<I", data))
        f.flush()
        os.fsync(f.fileno())
    return True


def _ulaw_table() -> list[int]:
    table = []
    for byte in range(256):
        u = ~byte & 0xFF
        sign, exponent, mantissa = u & 0x80, (u >> 4) & 0x07, u & 0x0F
        sample = (((mantissa << 3) + 0x84) << exponent) - 0x84
        table.append(-sample if sign else sample)
    return table


def _alaw_table() -> list[int]:
    table = []
    for byte in range(256):
        a = byte ^ 0x55
        sign, exponent, mantissa = a & 0x80, (a >> 4) & 0x07, a & 0x0F
        sample = (mantissa << 4) + 8 if exponent == 0 else ((mantissa << 4) + 0x108) << (exponent - 1)
        table.append(sample if sign else -sample)
    return table


_ULAW = _ulaw_table()
_ALAW = _alaw_table()


def read_samples(path: str | os.PathLike[str]) -> tuple[int, list[int]]:
    """(sample rate, 16-bit samples) of a mono or multi-channel (interleaved) PCM, u-law or A-law
    file; the data chunk is read to the end of the file, so an unfinished file reads too."""
    wav = layout(path)
    with open(path, "rb") as f:
        f.seek(wav.data_offset)
        raw = f.read()
    if wav.format_tag == PCM and wav.bits == 16:
        raw = raw[: len(raw) - len(raw) % 2]
        return wav.rate, list(struct.unpack(f"<{len(raw) // 2}h", raw))
    if wav.format_tag == ULAW:
        return wav.rate, [_ULAW[b] for b in raw]
    if wav.format_tag == ALAW:
        return wav.rate, [_ALAW[b] for b in raw]
    raise WavFileError(f"{os.fspath(path)}: format {wav.format_tag} with {wav.bits}-bit samples; "
                       "16-bit PCM, u-law and A-law are read")
