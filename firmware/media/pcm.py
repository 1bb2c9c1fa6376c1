"""Tones and DTMF as 8 kHz 16-bit PCM, 20 ms at a time, for ports the line gateway
plays to itself (dial tone, ringback, busy, DTMF caller ID)."""
from __future__ import annotations

import array
import math
import sys
from collections.abc import Sequence
from functools import lru_cache

from firmware.media.tones import DTMF_FREQUENCIES

RATE = 8000
FRAME_SAMPLES = 160
FRAME_BYTES = FRAME_SAMPLES * 2
SILENCE = bytes(FRAME_BYTES)
# Per-frequency peak amplitude: about -13 dBm0 each, so a dual tone stays below -10 dBm0.
_AMPLITUDE = 0.16


def _segment(freq1: int, freq2: int, on_ms: int, off_ms: int) -> list[float]:
    on = [i / RATE for i in range(round(on_ms * RATE / 1000))]
    wave = [0.0] * len(on)
    for freq in (freq1, freq2):
        if freq:
            wave = [w + _AMPLITUDE * math.sin(2 * math.pi * freq * t) for w, t in zip(wave, on, strict=True)]
    return wave + [0.0] * round(off_ms * RATE / 1000)


def _pcm(segments: tuple[tuple[int, int, int, int], ...]) -> bytes:
    # Plain Python (~5 ms for a second of tone): the line host then does not carry numpy
    # (~7 MiB) for its dial, ring and busy tones.
    samples = array.array("h", (round(max(-1.0, min(1.0, v)) * 32767)
                                for segment in segments for v in _segment(*segment)))
    if sys.byteorder == "big":
        samples.byteswap()  # little-endian on the wire, as everywhere here
    return samples.tobytes()


# The country's few tones (dial, ringback, busy, ...), made once: a port going off hook does
# not wait for its dial tone to be computed. A period is at most a few seconds (< 100 KiB).
_tone = lru_cache(maxsize=16)(_pcm)


def tone_pcm(segments: Sequence[Sequence[int]]) -> bytes:
    """One period of a tone (segments of freq1, freq2, on ms, off ms)."""
    return _tone(tuple((int(a), int(b), int(c), int(d)) for a, b, c, d in segments))


def dtmf_pcm(digits: str, on_ms: int = 70, off_ms: int = 70) -> bytes:
    """Keys as DTMF tones (ETSI EN 300 659-1 DTMF caller ID uses 70 ms tone, 70 ms pause)."""
    # Not cached: each caller's number is another sequence.
    return _pcm(tuple((*DTMF_FREQUENCIES[d], on_ms, off_ms) for d in digits))


class FrameSource:
    """Plays PCM 20 ms at a time, looping or once (then silence, and `done` is true)."""

    def __init__(self, pcm: bytes, *, loop: bool) -> None:
        # Whole frames: a loop whose length is not a frame multiple would click at the wrap.
        remainder = len(pcm) % FRAME_BYTES
        self._pcm = pcm + bytes(FRAME_BYTES - remainder) if remainder else pcm
        self._loop = loop
        self._pos = 0

    @property
    def done(self) -> bool:
        return not self._loop and self._pos >= len(self._pcm)

    def next_frame(self) -> bytes:
        if not self._pcm or self.done:
            return SILENCE
        frame = self._pcm[self._pos:self._pos + FRAME_BYTES]
        self._pos += FRAME_BYTES
        if self._loop and self._pos >= len(self._pcm):
            self._pos = 0
        return frame
