"""Audio for hardware ports: 8 kHz, 16-bit signed little-endian mono, 20 ms frames."""

from hal.audio.buffer import FrameBuffer
from hal.audio.endpoint import AudioEndpoint, BufferedEndpoint, SimAudioLine
from hal.audio.format import FRAME_BYTES, FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE, SILENCE

__all__ = [
    "FRAME_BYTES",
    "FRAME_MS",
    "FRAME_SAMPLES",
    "SAMPLE_RATE",
    "SILENCE",
    "AudioEndpoint",
    "BufferedEndpoint",
    "FrameBuffer",
    "SimAudioLine",
]
