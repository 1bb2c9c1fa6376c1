"""tests/support/audio.py on WAV files synthesised here, where the truth is known exactly."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from tests.support.audio import (
    Audio,
    block_power,
    dominant_frequency,
    find_clip,
    goertzel_power,
    has_tone,
    load_wav,
    rms_dbfs,
    silence,
    synth_tone,
    tone_seconds,
    tone_segments,
    write_wav,
)

RATE = 8000
PROBES = (425, 600, 1000)
BLOCK = 0.05      # seconds per analysis block: the resolution of every duration below


def wav(tmp_path: Path, name: str, samples: np.ndarray) -> Path:
    return write_wav(tmp_path / f"{name}.wav", samples, RATE)


def noise(seconds: float, dbfs: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)      # fixed seed: the test is deterministic
    return rng.standard_normal(round(seconds * RATE)) * 10 ** (dbfs / 20)


@pytest.mark.parametrize("hz", PROBES)
def test_a_tone_is_found_and_only_that_tone(tmp_path: Path, hz: int) -> None:
    path = wav(tmp_path, f"tone{hz}", synth_tone(hz, 3.0, RATE))
    assert tone_seconds(path, hz) == pytest.approx(3.0, abs=BLOCK)
    assert has_tone(path, hz, min_seconds=2.9)
    for other in PROBES:
        if other != hz:
            assert tone_seconds(path, other) == 0.0
            assert not has_tone(path, other, min_seconds=0.05)
    assert dominant_frequency(path) == pytest.approx(hz, abs=1)


def test_silence_has_no_tone(tmp_path: Path) -> None:
    path = wav(tmp_path, "silence", silence(3.0, RATE))
    for hz in PROBES:
        assert tone_seconds(path, hz) == 0.0
        assert not has_tone(path, hz, min_seconds=0.05)
    assert dominant_frequency(path) is None
    assert rms_dbfs(path) == float("-inf")


def test_line_noise_below_the_floor_is_silence(tmp_path: Path) -> None:
    # A tone buried at -65 dBFS (under the -50 dBFS floor) does not count: idle-channel level.
    path = wav(tmp_path, "quiet", synth_tone(600, 2.0, RATE, dbfs=-65))
    assert tone_seconds(path, 600) == 0.0
    assert dominant_frequency(path) is None


def test_loud_noise_is_not_a_tone(tmp_path: Path) -> None:
    path = wav(tmp_path, "noise", noise(3.0, dbfs=-20))
    for hz in PROBES:
        assert tone_seconds(path, hz) == 0.0
    assert rms_dbfs(path) == pytest.approx(-20, abs=0.5)


def test_a_tone_in_noise_is_still_found(tmp_path: Path) -> None:
    # 10 dB signal-to-noise, worse than any G.711 leg.
    path = wav(tmp_path, "noisy", synth_tone(1000, 3.0, RATE, dbfs=-20) + noise(3.0, dbfs=-30))
    assert tone_seconds(path, 1000) == pytest.approx(3.0, abs=BLOCK)
    assert tone_seconds(path, 600) == 0.0


def test_two_tones_one_after_the_other(tmp_path: Path) -> None:
    samples = np.concatenate([synth_tone(600, 1.5, RATE), silence(1.0, RATE), synth_tone(1000, 2.0, RATE)])
    path = wav(tmp_path, "sequence", samples)
    # One block may straddle a boundary, hence the one-block tolerance.
    assert tone_seconds(path, 600) == pytest.approx(1.5, abs=BLOCK)
    assert tone_seconds(path, 1000) == pytest.approx(2.0, abs=BLOCK)
    assert tone_seconds(path, 425) == 0.0
    assert dominant_frequency(path) == pytest.approx(1000, abs=1)   # the longer one


def test_two_tones_at_once_are_both_found(tmp_path: Path) -> None:
    path = wav(tmp_path, "mix", synth_tone(600, 2.0, RATE, dbfs=-13) + synth_tone(1000, 2.0, RATE, dbfs=-13))
    assert tone_seconds(path, 600) == pytest.approx(2.0, abs=BLOCK)
    assert tone_seconds(path, 1000) == pytest.approx(2.0, abs=BLOCK)
    assert tone_seconds(path, 425) == 0.0
    assert dominant_frequency(path) in (pytest.approx(600, abs=1), pytest.approx(1000, abs=1))


def test_close_frequencies_are_told_apart(tmp_path: Path) -> None:
    # 425 Hz (European call progress) next to 500 Hz: 75 Hz apart is plenty at 50 ms blocks.
    path = wav(tmp_path, "425", synth_tone(425, 2.0, RATE))
    assert tone_seconds(path, 425) == pytest.approx(2.0, abs=BLOCK)
    assert tone_seconds(path, 500) == 0.0
    assert tone_seconds(path, 350) == 0.0


def test_cadence_segments(tmp_path: Path) -> None:
    # Ringback-like: 1 s on, 2 s off, twice.
    on, off = synth_tone(425, 1.0, RATE), silence(2.0, RATE)
    path = wav(tmp_path, "cadence", np.concatenate([on, off, on, off]))
    segments = tone_segments(path, 425)
    assert len(segments) == 2
    for (start, end), expected in zip(segments, [(0.0, 1.0), (3.0, 4.0)], strict=True):
        assert start == pytest.approx(expected[0], abs=BLOCK)
        assert end == pytest.approx(expected[1], abs=BLOCK)


def test_levels() -> None:
    tone = Audio(synth_tone(1000, 1.0, RATE, dbfs=-20), RATE)
    assert rms_dbfs(tone) == pytest.approx(-20, abs=0.05)
    # Goertzel power of a pure tone is the tone's own mean-square power: share ~1 of each block.
    share = goertzel_power(tone, 1000) / block_power(tone)
    assert np.all(share == pytest.approx(1.0, abs=0.01))


def test_wav_round_trip_and_formats(tmp_path: Path) -> None:
    samples = synth_tone(600, 0.5, RATE, dbfs=-6)
    loaded = load_wav(write_wav(tmp_path / "rt.wav", samples, RATE))
    assert loaded.rate == RATE
    assert loaded.seconds == pytest.approx(0.5)
    assert np.max(np.abs(loaded.samples - samples)) < 1 / 16384     # 16-bit quantisation

    # Stereo is averaged to mono, so a tone on both channels survives.
    pcm = np.round(samples * 32767).astype("<i2")
    stereo_path = tmp_path / "stereo.wav"
    with wave.open(str(stereo_path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.column_stack([pcm, pcm]).tobytes())
    stereo = load_wav(stereo_path)
    assert stereo.seconds == pytest.approx(0.5)
    assert tone_seconds(stereo, 600) == pytest.approx(0.5, abs=BLOCK)


def test_empty_file(tmp_path: Path) -> None:
    path = wav(tmp_path, "empty", silence(0.0, RATE))
    assert tone_seconds(path, 600) == 0.0
    assert tone_segments(path, 600) == []
    assert rms_dbfs(path) == float("-inf")
    assert dominant_frequency(path) is None


def test_a_clip_heard_twice_is_found_where_it_was_first_heard() -> None:
    # Speech stands in as noise: every 200 ms piece of it is unlike every other.
    clip = noise(1.5, -20, seed=7)
    other = noise(1.5, -20, seed=8)
    recording = np.concatenate([silence(1.0, RATE), clip, silence(0.5, RATE), other, silence(0.7, RATE), clip,
                                silence(0.3, RATE)])
    found = find_clip(Audio(recording, RATE), Audio(clip, RATE))
    assert found is not None and abs(found - 1.0) < 0.01
    # Only its second half was heard first, the whole of it later: the later one counts.
    cut = np.concatenate([clip[len(clip) // 2:], silence(1.0, RATE), clip])
    found = find_clip(Audio(cut, RATE), Audio(clip, RATE))
    assert found is not None and abs(found - (0.75 + 1.0)) < 0.01
    assert find_clip(Audio(recording, RATE), Audio(noise(1.5, -20, seed=9), RATE)) is None
