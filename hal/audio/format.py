"""The one audio format hal hands to the line gateway.

It matches the gateway's conference bridge clock (8 kHz, see architecture.md) and
pjsua2's AudioMediaPort frame: 160 samples of signed 16-bit little-endian mono.
"""

from __future__ import annotations

SAMPLE_RATE = 8000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
SAMPLE_BYTES = 2
FRAME_BYTES = FRAME_SAMPLES * SAMPLE_BYTES
SILENCE = bytes(FRAME_BYTES)


def check_frame(frame: bytes) -> None:
    """Raise ValueError unless `frame` is exactly one 20 ms frame."""
    if len(frame) != FRAME_BYTES:
        raise ValueError(f"an audio frame is {FRAME_BYTES} bytes (20 ms at 8 kHz, 16-bit mono), not {len(frame)}")
