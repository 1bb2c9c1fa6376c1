"""Tone analysis of recorded calls (WAV files), with numpy.

The question end-to-end tests ask is "did this phone hear tone X, for how long, and nothing else?".
The signal is cut into blocks (50 ms by default); in each block a Hann-windowed Goertzel filter
measures the power at the probe frequency, and the block counts as "tone present" when that power
is at least `min_fraction` of the block's total power and the block is louder than `floor_dbfs`.
Being relative to the block's own energy, the test ignores level (codec, gain) but rejects silence,
noise and other tones; with 50 ms blocks a tone counts within about +/-15 Hz of the probe, so 425,
600 and 1000 Hz are far apart.

Every function takes a WAV path or an `Audio` (samples + rate), so tests can also analyse
synthesised signals without files.
"""

from __future__ import annotations

import os
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from firmware.media import wavfile

FloatArray = npt.NDArray[np.float64]

BLOCK_MS = 50
# A block "has" the tone when the tone carries at least this share of the block's power. A pure
# tone gives ~1.0; each of two equal simultaneous tones ~0.5; noise or a tone 100 Hz away < 0.02.
MIN_FRACTION = 0.25
# Blocks quieter than this are silence whatever their spectrum (G.711 idle noise is below -70 dBFS).
FLOOR_DBFS = -50.0


@dataclass(frozen=True)
class Audio:
    """Mono samples scaled to [-1, 1) and their sample rate."""

    samples: FloatArray
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


AudioSource = str | os.PathLike[str] | Audio


def load_wav(path: str | os.PathLike[str]) -> Audio:
    """Read a PCM WAV (8/16/32-bit) or a G.711 one (u-law, A-law: call recordings); several
    channels are averaged to mono."""
    if wavfile.layout(path).format_tag in (wavfile.ULAW, wavfile.ALAW):
        rate, decoded = wavfile.read_samples(path)
        return Audio(np.asarray(decoded, dtype=np.float64) / 32768.0, rate)
    with wave.open(os.fspath(path), "rb") as w:
        rate, channels, width, frames = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
        raw = w.readframes(frames)
    if width == 1:      # 8-bit WAV is unsigned
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    elif width == 4:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2147483648.0
    else:
        raise ValueError(f"{path}: unsupported sample width {width} bytes")
    if channels > 1:
        x = x[: len(x) - len(x) % channels].reshape(-1, channels).mean(axis=1)
    return Audio(x, rate)


def write_wav(path: str | os.PathLike[str], samples: FloatArray, rate: int = 8000) -> Path:
    """Write mono 16-bit PCM (samples in [-1, 1), clipped)."""
    pcm = np.clip(np.round(np.asarray(samples, dtype=np.float64) * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(os.fspath(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return Path(path)


def synth_tone(hz: float, seconds: float, rate: int = 8000, dbfs: float = -10.0) -> FloatArray:
    """A sine of RMS level `dbfs` (0 dBFS = RMS of a full-scale square wave)."""
    n = np.arange(round(seconds * rate))
    amplitude = np.sqrt(2.0) * 10.0 ** (dbfs / 20.0)
    return np.asarray(amplitude * np.sin(2.0 * np.pi * hz * n / rate), dtype=np.float64)


def silence(seconds: float, rate: int = 8000) -> FloatArray:
    return np.zeros(round(seconds * rate), dtype=np.float64)


def _audio(src: AudioSource) -> Audio:
    return src if isinstance(src, Audio) else load_wav(src)


def _blocks(audio: Audio, block_ms: float) -> FloatArray:
    """Whole blocks as rows (a trailing partial block is dropped)."""
    n = max(1, round(audio.rate * block_ms / 1000.0))
    count = len(audio.samples) // n
    return audio.samples[: count * n].reshape(count, n)


def block_power(wav: AudioSource, block_ms: float = BLOCK_MS) -> FloatArray:
    """Mean-square power of each block (a full-scale sine gives 0.5)."""
    blocks = _blocks(_audio(wav), block_ms)
    return np.asarray(np.mean(blocks * blocks, axis=1), dtype=np.float64)


def goertzel_power(wav: AudioSource, hz: float, block_ms: float = BLOCK_MS) -> FloatArray:
    """Power at `hz` in each block, on the same scale as block_power(): a pure sine at `hz` gives
    its own mean-square power, so goertzel/block power is the share of the block that is the tone.

    Goertzel recurrence on Hann-windowed blocks, run for all blocks at once. The frequency need not
    fall on a DFT bin: the magnitude formula holds for any normalised frequency."""
    audio = _audio(wav)
    blocks = _blocks(audio, block_ms)
    count, n = blocks.shape
    if count == 0:
        return np.zeros(0, dtype=np.float64)
    window = np.hanning(n)
    x = blocks * window
    w = 2.0 * np.pi * hz / audio.rate
    coeff = 2.0 * np.cos(w)
    s1 = np.zeros(count)
    s2 = np.zeros(count)
    for i in range(n):
        s0 = x[:, i] + coeff * s1 - s2
        s2 = s1
        s1 = s0
    magnitude2 = s1 * s1 + s2 * s2 - coeff * s1 * s2        # |X(w)|^2
    # A sine of amplitude A gives |X| = A * sum(window) / 2; report A^2 / 2, its mean-square power.
    return np.asarray(2.0 * magnitude2 / window.sum() ** 2, dtype=np.float64)


def tone_blocks(
    wav: AudioSource,
    hz: float,
    *,
    block_ms: float = BLOCK_MS,
    min_fraction: float = MIN_FRACTION,
    floor_dbfs: float = FLOOR_DBFS,
) -> npt.NDArray[np.bool_]:
    """Per block: is the tone clearly present (see module docstring)?"""
    audio = _audio(wav)
    total = block_power(audio, block_ms)
    tone = goertzel_power(audio, hz, block_ms)
    loud = total > 10.0 ** (floor_dbfs / 10.0)
    return np.asarray(loud & (tone >= min_fraction * total), dtype=np.bool_)


def tone_seconds(
    wav: AudioSource,
    hz: float,
    *,
    block_ms: float = BLOCK_MS,
    min_fraction: float = MIN_FRACTION,
    floor_dbfs: float = FLOOR_DBFS,
) -> float:
    """How many seconds (in total, not necessarily contiguous) the tone is clearly present."""
    present = tone_blocks(wav, hz, block_ms=block_ms, min_fraction=min_fraction, floor_dbfs=floor_dbfs)
    return float(np.count_nonzero(present)) * block_ms / 1000.0


def has_tone(
    wav: AudioSource,
    hz: float,
    min_seconds: float = 1.0,
    *,
    block_ms: float = BLOCK_MS,
    min_fraction: float = MIN_FRACTION,
    floor_dbfs: float = FLOOR_DBFS,
) -> bool:
    """True when the tone is clearly present for at least `min_seconds` in total."""
    seconds = tone_seconds(wav, hz, block_ms=block_ms, min_fraction=min_fraction, floor_dbfs=floor_dbfs)
    return seconds >= min_seconds


def tone_segments(
    wav: AudioSource,
    hz: float,
    *,
    block_ms: float = BLOCK_MS,
    min_fraction: float = MIN_FRACTION,
    floor_dbfs: float = FLOOR_DBFS,
) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch where the tone is present, to check a cadence
    (e.g. ringback 1 s on / 4 s off against busy 0.5 s / 0.5 s, both 425 Hz in Europe).
    Boundaries are accurate to one block."""
    present = tone_blocks(wav, hz, block_ms=block_ms, min_fraction=min_fraction, floor_dbfs=floor_dbfs)
    edges = np.diff(np.concatenate(([0], present.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    step = block_ms / 1000.0
    return [(float(s) * step, float(e) * step) for s, e in zip(starts, ends, strict=True)]


def rms_dbfs(wav: AudioSource) -> float:
    """Overall RMS level in dBFS (0 dBFS = full-scale square; a full-scale sine is -3 dBFS).
    -inf for an empty or all-zero file."""
    x = _audio(wav).samples
    if len(x) == 0:
        return float("-inf")
    ms = float(np.mean(x * x))
    return 10.0 * float(np.log10(ms)) if ms > 0 else float("-inf")


def dominant_frequency(wav: AudioSource, floor_dbfs: float = FLOOR_DBFS) -> float | None:
    """Frequency (Hz) of the strongest spectral peak of the whole file, or None when the file is
    quieter than `floor_dbfs` (silence has no dominant frequency)."""
    audio = _audio(wav)
    x = audio.samples
    if len(x) < 2 or rms_dbfs(audio) < floor_dbfs:
        return None
    spectrum = np.abs(np.fft.rfft((x - x.mean()) * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1.0 / audio.rate)
    spectrum[freqs < 20.0] = 0.0      # DC and rumble are not a "tone"
    k = int(np.argmax(spectrum))
    if 0 < k < len(spectrum) - 1:
        # Parabolic interpolation on log magnitude: sub-bin accuracy for short recordings.
        a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-30)
        denom = a - 2.0 * b + c
        offset = 0.5 * (a - c) / denom if denom != 0 else 0.0
        return float(freqs[k] + offset * (freqs[1] - freqs[0]))
    return float(freqs[k])



def _similarity(x: FloatArray, r: FloatArray) -> FloatArray:
    """Normalised cross-correlation of `r` against every window of `x` of its length (means removed)."""
    r = r - r.mean()
    n = len(r)
    size = 1 << int(np.ceil(np.log2(len(x) + n)))
    corr = np.fft.irfft(np.fft.rfft(x, size) * np.conj(np.fft.rfft(r, size)), size)[: len(x) - n + 1]
    c1 = np.concatenate(([0.0], np.cumsum(x)))
    c2 = np.concatenate(([0.0], np.cumsum(x * x)))
    sums = c1[n:] - c1[:-n]
    energy = np.maximum(c2[n:] - c2[:-n] - sums * sums / n, 0.0)
    return np.asarray(corr / (float(np.sqrt(np.sum(r * r))) * np.sqrt(energy) + 1e-12), dtype=np.float64)


CLIP_PIECE_MS = 200
# A piece counts when it is found this well (G.711 keeps an intact piece above 0.95)...
PIECE_SIMILARITY = 0.8
# ...where the clip's timing puts it, give or take this (a jitter buffer may drop or repeat frames).
PIECE_SLACK_S = 0.15


def find_clip(wav: AudioSource, clip: AudioSource, *, min_share: float = 0.8) -> float | None:
    """Where (seconds into `wav`) the recording `clip` - a prompt, a greeting - was heard, or None.

    The clip is cut into 200 ms pieces; each audible piece is looked up in `wav` by normalised
    cross-correlation. The clip was heard when at least `min_share` of its pieces are found, in
    order, each where the clip's own timing puts it (give or take PIECE_SLACK_S). Pieces make it
    robust against the frames a jitter buffer drops or repeats on a loaded machine; the share
    tells apart prompts that begin with the same words ("Call forwarding is on" / "... off").
    A clip heard more than once is found where it was first heard in full (by `min_share`).
    Both must have the same sample rate."""
    audio, reference = _audio(wav), _audio(clip)
    if audio.rate != reference.rate:
        raise ValueError(f"sample rates differ: {audio.rate} and {reference.rate} Hz")
    x = audio.samples
    n = max(1, round(audio.rate * CLIP_PIECE_MS / 1000.0))
    pieces = [(i * n, reference.samples[i * n:(i + 1) * n]) for i in range(len(reference.samples) // n)]
    pieces = [(start, p) for start, p in pieces if 10.0 * np.log10(np.mean(p * p) + 1e-20) > FLOOR_DBFS + 10.0]
    if not pieces or len(x) < len(reference.samples):
        return None
    # Every clip start each piece implies, sorted: a clip heard twice ("wrong PIN" after each
    # try) has its pieces in two places, and the best match of a piece may be in either.
    begins: list[FloatArray] = []
    for start, piece in pieces:
        hits = np.flatnonzero(_similarity(x, piece) >= PIECE_SIMILARITY)
        begins.append(np.sort((hits - start) / audio.rate))
    # Candidate starts, earliest first: the first one enough pieces agree on is where the clip was heard.
    for candidate in np.unique(np.round(np.concatenate(begins), 2)):
        near = [b[i] for b in begins
                if (i := _nearest(b, candidate)) >= 0 and abs(b[i] - candidate) <= PIECE_SLACK_S]
        if len(near) >= min_share * len(pieces):
            return max(0.0, float(np.median(near)))
    return None


def _nearest(sorted_values: FloatArray, value: float) -> int:
    """Index of the value in `sorted_values` closest to `value`, -1 if there is none."""
    if not sorted_values.size:
        return -1
    i = int(np.searchsorted(sorted_values, value))
    if i == sorted_values.size or (i > 0 and value - sorted_values[i - 1] <= sorted_values[i] - value):
        return i - 1
    return i


def best_match(wav: AudioSource, clip: AudioSource, start: float, end: float) -> tuple[float, float]:
    """(similarity, seconds into `wav`) of the best place `clip` begins between `start` and `end`:
    to tell which of several clips (the digits) was said where one is known to begin."""
    audio, reference = _audio(wav), _audio(clip)
    if audio.rate != reference.rate:
        raise ValueError(f"sample rates differ: {audio.rate} and {reference.rate} Hz")
    lo = max(0, int(start * audio.rate))
    window = audio.samples[lo:int(end * audio.rate) + len(reference.samples)]
    if len(window) < len(reference.samples):
        return 0.0, start
    similarity = _similarity(window, reference.samples)
    best = int(np.argmax(similarity))
    return float(similarity[best]), (lo + best) / audio.rate
