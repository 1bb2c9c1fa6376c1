from __future__ import annotations

from hal.audio.buffer import FrameBuffer
from hal.audio.format import FRAME_BYTES


def test_pop_returns_exact_sizes_or_nothing() -> None:
    buffer = FrameBuffer()
    buffer.push(b"\x01\x00" * 100)
    assert buffer.pop(FRAME_BYTES) is None
    buffer.push(b"\x02\x00" * 100)
    chunk = buffer.pop(FRAME_BYTES)
    assert chunk is not None and len(chunk) == FRAME_BYTES
    assert len(buffer) == 400 - FRAME_BYTES


def test_underrun_is_padded_with_silence_and_counted() -> None:
    buffer = FrameBuffer()
    buffer.push(b"\x07\x00" * 10)
    frame = buffer.pop_padded(FRAME_BYTES)
    assert frame[:20] == b"\x07\x00" * 10 and frame[20:] == bytes(FRAME_BYTES - 20)
    assert buffer.underruns == 1


def test_a_full_buffer_drops_the_oldest_audio_keeping_sample_alignment() -> None:
    buffer = FrameBuffer(max_frames=1)
    buffer.push(b"\x01\x00" * 160)
    buffer.push(b"\x02\x00" * 3)
    assert len(buffer) == FRAME_BYTES
    assert buffer.dropped_bytes == 6
    data = buffer.drain()
    assert data.endswith(b"\x02\x00" * 3) and data.startswith(b"\x01\x00")
