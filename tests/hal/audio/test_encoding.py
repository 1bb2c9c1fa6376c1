from __future__ import annotations

import numpy as np

from hal.audio.encoding import alaw_to_linear16, linear16_to_alaw, linear16_to_unsigned8, unsigned8_to_linear16
from tests.hal.tones import tone


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.int32)


def test_alaw_matches_g711_reference_code_words() -> None:
    pcm = np.array([0, -1, 1000, -1000, 32767, -32768], dtype="<i2").tobytes()
    assert linear16_to_alaw(pcm) == bytes([0xD5, 0x55, 0xFA, 0x7A, 0xAA, 0x2A])


def test_alaw_round_trip_error_stays_within_the_quantisation_step() -> None:
    original = tone(440, 0.1, amplitude=20000)
    decoded = alaw_to_linear16(linear16_to_alaw(original))
    error = np.abs(samples(original) - samples(decoded))
    # A-law's largest step is 1024 (top segment): the error is at most half of it.
    assert error.max() <= 512
    assert len(decoded) == len(original)


def test_unsigned8_is_offset_binary_of_the_high_byte() -> None:
    pcm = np.array([0, 256, -256, 32767, -32768], dtype="<i2").tobytes()
    assert linear16_to_unsigned8(pcm) == bytes([128, 129, 127, 255, 0])
    assert samples(unsigned8_to_linear16(bytes([128, 129, 0]))).tolist() == [0, 256, -32768]
