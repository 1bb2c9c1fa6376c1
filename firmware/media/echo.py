"""Line echo cancellation for FXO lines.

An analog exchange line is two wires carrying both directions; the hybrid in the
modem (and in the exchange) leaks part of what we send back into what we receive,
tens of milliseconds later. Without cancelling it, a SIP caller talking over an
FXO line hears their own voice. This is a partitioned-block frequency-domain NLMS
filter (overlap-save, gradient-constrained; Soo & Pang 1990) over 20 ms blocks,
with a Geigel double-talk detector so the near speaker does not spoil the filter.

Cost per 20 ms frame: about 2 + 2 * partitions FFTs of 320 points (well under a
millisecond with numpy), paid in the line host, never on pjsua2's clock thread.
"""
from __future__ import annotations

import numpy as np

BLOCK = 160  # samples per 20 ms frame at 8 kHz
# Geigel: near-end louder than this fraction of the recent far-end peak = someone talks here.
_GEIGEL = 0.5
# Frames adaptation stays frozen after double talk was last seen.
_HANGOVER = 5


class EchoCanceller:
    def __init__(self, tail_ms: int = 128, step: float = 0.5) -> None:
        self.partitions = max(1, -(-tail_ms * 8 // BLOCK))
        self.step = step
        bins = BLOCK + 1
        self._weights = np.zeros((self.partitions, bins), dtype=np.complex128)
        self._far_spectra = np.zeros((self.partitions, bins), dtype=np.complex128)
        self._far_power = np.full(bins, 1e-3)
        self._last_far = np.zeros(BLOCK)
        self._far_history = np.zeros(self.partitions * BLOCK)
        self._hold = 0

    def process(self, near: bytes, far: bytes) -> bytes:
        """Remove the echo of `far` (20 ms just sent to the line) from `near` (20 ms just received)."""
        x = np.frombuffer(far, dtype="<i2").astype(np.float64) / 32768.0
        d = np.frombuffer(near, dtype="<i2").astype(np.float64) / 32768.0
        spectrum = np.fft.rfft(np.concatenate([self._last_far, x]))
        self._last_far = x
        self._far_spectra = np.roll(self._far_spectra, 1, axis=0)
        self._far_spectra[0] = spectrum
        self._far_history = np.concatenate([self._far_history[BLOCK:], x])

        estimate = np.fft.irfft((self._weights * self._far_spectra).sum(axis=0), n=2 * BLOCK)[BLOCK:]
        error = d - estimate

        far_peak = float(np.max(np.abs(self._far_history)))
        if far_peak > 0 and float(np.max(np.abs(d))) > _GEIGEL * far_peak:
            self._hold = _HANGOVER
        elif self._hold:
            self._hold -= 1
        self._far_power = 0.9 * self._far_power + 0.1 * (np.abs(spectrum) ** 2)
        if not self._hold and far_peak > 1e-4:
            self._adapt(error)
        out = np.clip(np.round(error * 32768.0), -32768, 32767).astype("<i2")
        return bytes(out.tobytes())

    def _adapt(self, error: np.ndarray) -> None:
        error_spectrum = np.fft.rfft(np.concatenate([np.zeros(BLOCK), error]))
        norm = self.step / (self.partitions * self._far_power + 1e-6)
        gradient = (error_spectrum * norm)[None, :] * np.conj(self._far_spectra)
        # The constraint keeps each partition a causal 160-tap filter (overlap-save needs it).
        taps = np.fft.irfft(gradient, n=2 * BLOCK, axis=1)
        taps[:, BLOCK:] = 0.0
        self._weights += np.fft.rfft(taps, axis=1)
