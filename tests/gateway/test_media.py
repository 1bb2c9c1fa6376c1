"""Echo cancellation, tones and DTMF caller ID, on synthetic signals."""
from __future__ import annotations

import numpy as np

from firmware.gateway.phone import dtmf_caller_id
from firmware.media.echo import EchoCanceller
from firmware.media.pcm import FRAME_BYTES, FrameSource, dtmf_pcm, tone_pcm
from firmware.media.tones import tone
from tests.gateway.dtmf import decode_dtmf
from tests.support.audio import Audio, tone_seconds, tone_segments


def _pcm(x: np.ndarray) -> bytes:
    return bytes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())


def _power_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x * x) + 1e-12))


def test_echo_is_removed_and_the_near_speaker_kept() -> None:
    rng = np.random.default_rng(7)
    far = rng.normal(0, 0.1, 8000 * 5)
    # A hybrid: 25 ms bulk delay, -8 dB, and a decaying tail.
    path = np.zeros(600)
    path[200] = 0.4
    path[201:400] = rng.normal(0, 0.02, 199) * np.exp(-np.arange(199) / 40)
    echo = np.convolve(far, path)[: len(far)]
    near_speech = np.zeros(len(far))
    near_speech[-8000:] = 0.2 * np.sin(2 * np.pi * 1000 * np.arange(8000) / 8000)
    near = echo + near_speech
    canceller = EchoCanceller()
    out = np.concatenate([
        np.frombuffer(canceller.process(_pcm(near[i:i + 160]), _pcm(far[i:i + 160])), dtype="<i2") / 32768
        for i in range(0, len(far), 160)
    ])
    assert _power_db(near[16000:32000]) - _power_db(out[16000:32000]) > 25  # echo return loss enhancement
    assert abs(_power_db(out[-8000:]) - _power_db(near_speech[-8000:])) < 1.0  # double talk: kept


def _cancel(near: np.ndarray, far: np.ndarray) -> Audio:
    canceller = EchoCanceller()
    out = np.concatenate([
        np.frombuffer(canceller.process(_pcm(near[i:i + 160]), _pcm(far[i:i + 160])), dtype="<i2") / 32768
        for i in range(0, len(far), 160)
    ])
    return Audio(out, 8000)


def _sine(hz: float, seconds: float, amplitude: float) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * hz * np.arange(round(8000 * seconds)) / 8000)


def test_a_tone_stays_cancelled_through_gaps_and_a_moved_echo_path() -> None:
    # A caller's steady tone teaches the filter one frequency only; late packets leave
    # silent frames in it, and at 2 s the line's echo arrives 20 ms later than before.
    rng = np.random.default_rng(3)
    far = _sine(1000, 4.0, 0.4)
    for frame in rng.choice(len(far) // 160, 12, replace=False):
        far[frame * 160:(frame + 1) * 160] = 0.0
    echo = np.zeros(len(far))
    echo[240:16000] = 0.3 * far[:16000 - 240]
    echo[16000:] = 0.3 * far[16000 - 400:len(far) - 400]
    out = _cancel(echo, far)
    # The first 60 ms may leak while the suppressor sees the echo arrive.
    assert tone_seconds(Audio(out.samples[480:], 8000), 1000) == 0.0


def test_both_talking_at_once_the_near_speaker_is_kept_and_the_echo_removed() -> None:
    far = _sine(1000, 3.0, 0.4)
    near_speech = _sine(600, 3.0, 0.1)  # 12 dB quieter than the far end, louder than its echo
    echo = np.concatenate([np.zeros(240), 0.3 * far[:-240]])
    out = _cancel(echo + near_speech, far)
    kept = out.samples[8000:]
    assert abs(_power_db(kept) - _power_db(near_speech[8000:])) < 1.0
    assert tone_seconds(Audio(kept, 8000), 1000) == 0.0 and tone_seconds(Audio(kept, 8000), 600) == 2.0


def test_tones_follow_the_country_plan() -> None:
    source = FrameSource(tone_pcm(tone("EU", "busy")), loop=True)
    audio = b"".join(source.next_frame() for _ in range(150))  # 3 s
    samples = Audio(np.frombuffer(audio, dtype="<i2") / 32768, 8000)
    assert [round(end - start, 1) for start, end in tone_segments(samples, 425)][:3] == [0.5, 0.5, 0.5]
    us = FrameSource(tone_pcm(tone("US", "dial")), loop=True)
    dial = Audio(np.frombuffer(b"".join(us.next_frame() for _ in range(50)), dtype="<i2") / 32768, 8000)
    assert tone_seconds(dial, 350) > 0.9 and tone_seconds(dial, 440) > 0.9


def test_dtmf_caller_id() -> None:
    assert dtmf_caller_id("0401234567") == "A0401234567C"
    assert dtmf_caller_id("P") == "B10C"
    assert dtmf_caller_id("") == "B00C"
    pcm = dtmf_pcm("A0401234567C")
    assert len(pcm) % 2 == 0 and len(FrameSource(pcm, loop=False).next_frame()) == FRAME_BYTES
    assert decode_dtmf(Audio(np.frombuffer(pcm, dtype="<i2") / 32768, 8000)) == "A0401234567C"
