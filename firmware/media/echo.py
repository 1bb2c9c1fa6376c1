"""Line echo cancellation for FXO lines.

An analog exchange line is two wires carrying both directions; the hybrid in the
modem (and in the exchange) leaks part of what we send back into what we receive,
tens of milliseconds later. Without cancelling it, a SIP caller talking over an
FXO line hears their own voice. This is a partitioned-block frequency-domain NLMS
filter (overlap-save, gradient-constrained; Soo & Pang 1990) over 20 ms blocks,
with a Geigel double-talk detector so the near speaker does not spoil the filter.

A linear filter alone leaves echo whenever the path it learnt no longer fits: the
far end's audio had a gap (a late packet), the line's converters slipped, or the far
end sent a narrow sound (a tone) that taught the filter one frequency only. Behind it
a residual echo suppressor works per frequency: where, within the echo tail, the far
end sent much more than the line returns (an exchange line's hybrid returns at least
6 dB less, G.168), what comes back is echo and is turned down by 30 dB; where the near
speaker is louder, it passes untouched, so talking at the same time still works. It
costs one more 20 ms frame of delay (windowed overlap-add).

Cost per 20 ms frame: about 2 + 2 * partitions FFTs of 320 points (well under a
millisecond with numpy), paid in the line host, never on pjsua2's clock thread.
"""
from __future__ import annotations

from collections import deque

import numpy as np

BLOCK = 160  # samples per 20 ms frame at 8 kHz
# Geigel: near-end louder than this fraction of the recent far-end peak = someone talks here.
_GEIGEL = 0.5
# Frames adaptation stays frozen after double talk was last seen.
_HANGOVER = 5
# Suppressor: a bin is echo when the line returns less power than this share of the far
# end's (-6 dB of amplitude, the least loss G.168 expects of a hybrid) ...
_ECHO_SHARE = 0.25
# ... and is then turned down to this gain (-30 dB).
_SUPPRESSED = 0.03
# Frames sent that may wait for the frame heard at the same point of the stream (640 ms).
_MAX_LAG = 32


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
        # Suppressor state: sqrt-Hann analysis and synthesis windows overlap-add to one.
        self._window = np.sqrt(np.hanning(2 * BLOCK + 1)[:-1])
        self._far_windowed = np.zeros((self.partitions, bins))
        self._last_near = np.zeros(BLOCK)
        self._last_error = np.zeros(BLOCK)
        self._tail = np.zeros(BLOCK)
        self._gain = np.ones(bins)

    def process(self, near: bytes, far: bytes) -> bytes:
        """Remove the echo of `far` (20 ms just sent to the line) from `near` (20 ms just received)."""
        x = np.frombuffer(far, dtype="<i2").astype(np.float64) / 32768.0
        d = np.frombuffer(near, dtype="<i2").astype(np.float64) / 32768.0
        far_frames = np.concatenate([self._last_far, x])
        spectrum = np.fft.rfft(far_frames)
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
        residual = self._suppress(far_frames, d, error)
        out = np.clip(np.round(residual * 32768.0), -32768, 32767).astype("<i2")
        return bytes(out.tobytes())

    def _suppress(self, far_frames: np.ndarray, near: np.ndarray, error: np.ndarray) -> np.ndarray:
        """The error with its remaining echo turned down, one frame (20 ms) late.
        `far_frames`: the far end's last two frames, as the filter saw them."""
        window = self._window
        self._far_windowed = np.roll(self._far_windowed, 1, axis=0)
        self._far_windowed[0] = np.abs(np.fft.rfft(far_frames * window)) ** 2
        near_power = np.abs(np.fft.rfft(np.concatenate([self._last_near, near]) * window)) ** 2
        self._last_near = near
        echo_only = near_power < _ECHO_SHARE * self._far_windowed.max(axis=0)
        target = np.where(echo_only, _SUPPRESSED, 1.0)
        # Down at once (echo is loudest when it starts), back up within a few frames.
        self._gain = np.where(target < self._gain, target, 0.5 * self._gain + 0.5 * target)
        spectrum = np.fft.rfft(np.concatenate([self._last_error, error]) * window)
        self._last_error = error
        frame = np.fft.irfft(spectrum * self._gain, n=2 * BLOCK) * window
        out = self._tail + frame[:BLOCK]
        self._tail = frame[BLOCK:]
        return out

    def _adapt(self, error: np.ndarray) -> None:
        error_spectrum = np.fft.rfft(np.concatenate([np.zeros(BLOCK), error]))
        power = self.partitions * self._far_power
        # Regularised by a tenth of the mean: a bin the far end hardly uses (all but one
        # for a tone) would otherwise take huge steps from noise and the filter diverge.
        norm = self.step / (power + 0.1 * float(power.mean()) + 1e-6)
        gradient = (error_spectrum * norm)[None, :] * np.conj(self._far_spectra)
        # The constraint keeps each partition a causal 160-tap filter (overlap-save needs it).
        taps = np.fft.irfft(gradient, n=2 * BLOCK, axis=1)
        taps[:, BLOCK:] = 0.0
        self._weights += np.fft.rfft(taps, axis=1)


class StreamCanceller:
    """The canceller paired by stream position, not by clock tick.

    A modem's converters play and capture on one clock, so the k-th frame heard from the
    line holds the echo of the frames sent up to the k-th; the echo path the filter learns
    stays put. Pairing by the host's 20 ms tick instead moves that path by a frame (or
    part of one) whenever the line's audio arrives late, and the caller hears their own
    voice until the filter has learnt it again. Callers give it only whole frames heard
    (`poll_frame`), never padding for audio still on its way.
    """

    def __init__(self) -> None:
        self._canceller = EchoCanceller()
        self._sent: deque[bytes] = deque(maxlen=_MAX_LAG)

    def sent(self, frame: bytes) -> None:
        self._sent.append(frame)

    def heard(self, frame: bytes) -> bytes:
        played = self._sent.popleft() if self._sent else bytes(len(frame))
        return self._canceller.process(frame, played)
