"""Test audio: tones to send through a port, and a detector to find them again."""

from __future__ import annotations

import numpy as np


def tone(frequency: float, seconds: float, amplitude: int = 8000) -> bytes:
    samples = np.arange(int(8000 * seconds))
    return (np.sin(2 * np.pi * frequency * samples / 8000) * amplitude).astype("<i2").tobytes()


def tone_power(pcm: bytes, frequency: float) -> float:
    """Share of the signal's energy at `frequency` (Goertzel), 0..1; 0 for silence."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float64)
    if len(samples) == 0 or not samples.any():
        return 0.0
    n = np.arange(len(samples))
    bin_value = np.abs(np.sum(samples * np.exp(-2j * np.pi * frequency * n / 8000)))
    return float(2 * bin_value**2 / (len(samples) * np.sum(samples**2)))
