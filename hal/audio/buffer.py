"""A bounded, thread-safe byte FIFO between a device and the gateway's audio clock."""

from __future__ import annotations

import threading

from hal.audio.format import FRAME_BYTES, SAMPLE_BYTES


class FrameBuffer:
    """Producer pushes any number of bytes; consumer pops fixed amounts.

    Bounded so that a consumer that stops reading cannot grow memory without end:
    the oldest audio is dropped (it is stale anyway). Never blocks.
    """

    def __init__(self, max_frames: int = 50) -> None:
        self.max_bytes = max_frames * FRAME_BYTES
        self._data = bytearray()
        self._lock = threading.Lock()
        self.dropped_bytes = 0
        self.underruns = 0

    def push(self, data: bytes) -> None:
        with self._lock:
            self._data += data
            excess = len(self._data) - self.max_bytes
            if excess > 0:
                # Drop whole samples so the stream stays aligned on 16-bit boundaries.
                excess += excess % SAMPLE_BYTES
                del self._data[:excess]
                self.dropped_bytes += excess

    def pop(self, size: int) -> bytes | None:
        """Exactly `size` bytes, or None (and nothing consumed) if fewer are queued."""
        with self._lock:
            if len(self._data) < size:
                return None
            chunk = bytes(self._data[:size])
            del self._data[:size]
            return chunk

    def pop_padded(self, size: int) -> bytes:
        """`size` bytes: what is queued, completed with silence (an underrun is counted)."""
        with self._lock:
            chunk = bytes(self._data[:size])
            del self._data[:size]
            if len(chunk) < size:
                self.underruns += 1
                chunk += bytes(size - len(chunk))
            return chunk

    def drain(self) -> bytes:
        """Everything queued."""
        with self._lock:
            chunk = bytes(self._data)
            self._data.clear()
            return chunk

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)
