"""Tones and DTMF as 8 kHz 16-bit PCM, 20 ms at a time, for ports the line gateway
plays to itself (dial tone, ringback, busy, DTMF caller ID)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from firmware.media.tones import DTMF_FREQUENCIES

RATE = 8000
FRAME_SAMPLES = 160
FRAME_BYTES = FRAME_SAMPLES * 2
SILENCE = bytes(FRAME_BYTES)
# Per-frequency peak amplitude: about -13 dBm0 each, so a dual tone stays below -10 dBm0.
_AMPLITUDE = 0.16


def _segment(freq1: int, freq2: int, on_ms: int, off_ms: int) -> np.ndarray:
    on = np.arange(round(on_ms * RATE / 1000)) / RATE
    wave = np.zeros(len(on))
    for freq in (freq1, freq2):
        if freq:
            wave += _AMPLITUDE * np.sin(2 * np.pi * freq * on)
    return np.concatenate([wave, np.zeros(round(off_ms * RATE / 1000))])


def _to_pcm(samples: np.ndarray) -> bytes:
    return bytes(np.round(np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes())


def tone_pcm(segments: Sequence[Sequence[int]]) -> bytes:
    """One period of a tone (segments of freq1, freq2, on ms, off ms)."""
    return _to_pcm(np.concatenate([_segment(*(int(v) for v in segment)) for segment in segments]))


def dtmf_pcm(digits: str, on_ms: int = 70, off_ms: int = 70) -> bytes:
    """Keys as DTMF tones (ETSI EN 300 659-1 DTMF caller ID uses 70 ms tone, 70 ms pause)."""
    return tone_pcm([(*DTMF_FREQUENCIES[d], on_ms, off_ms) for d in digits])


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
