from __future__ import annotations

import pytest

from hal.audio.endpoint import SimAudioLine
from hal.audio.format import FRAME_BYTES, SILENCE


def test_a_sim_audio_line_carries_audio_both_ways() -> None:
    line = SimAudioLine()
    frame = b"\x10\x20" * 160
    line.port.write_frame(frame)
    assert line.heard() == frame
    line.speak(frame + frame[:100])
    assert line.port.read_frame() == frame
    assert line.port.read_frame()[:100] == frame[:100]  # the rest padded with silence
    assert line.port.read_frame() == SILENCE


def test_frames_must_be_20_ms() -> None:
    with pytest.raises(ValueError, match=f"{FRAME_BYTES} bytes"):
        SimAudioLine().port.write_frame(b"\x00" * 100)
