"""What a port's audio looks like to the line gateway."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from hal.audio.buffer import FrameBuffer
from hal.audio.format import FRAME_BYTES, check_frame


class AudioEndpoint(Protocol):
    """One mono audio channel of a port.

    Both methods are non-blocking and thread-safe so that pjsua2's clock thread can
    call them from `onFrameRequested` / `onFrameReceived` every 20 ms.
    """

    def read_frame(self) -> bytes:
        """The next 20 ms heard from the device (silence if none has arrived)."""
        ...

    def poll_frame(self) -> bytes | None:
        """The next 20 ms heard from the device if all of it has arrived, else None and
        nothing consumed (a part frame is kept, so the stream never gains a gap)."""
        ...

    def write_frame(self, frame: bytes) -> None:
        """Queue 20 ms to be played to the device (the oldest audio is dropped if it lags)."""
        ...


class BufferedEndpoint:
    """An endpoint over two FrameBuffers; the driver fills `rx` and empties `tx`."""

    def __init__(self, rx: FrameBuffer | None = None, tx: FrameBuffer | None = None) -> None:
        self.rx = rx if rx is not None else FrameBuffer()
        self.tx = tx if tx is not None else FrameBuffer()

    def read_frame(self) -> bytes:
        return self.rx.pop_padded(FRAME_BYTES)

    def poll_frame(self) -> bytes | None:
        return self.rx.pop(FRAME_BYTES)

    def write_frame(self, frame: bytes) -> None:
        check_frame(frame)
        self.tx.push(frame)


class SendingEndpoint:
    """An endpoint whose received audio is buffered and whose sent frames go straight
    to a driver function (which encodes them onto a serial wire)."""

    def __init__(self, send: Callable[[bytes], None], rx: FrameBuffer | None = None) -> None:
        self.rx = rx if rx is not None else FrameBuffer()
        self._send = send

    def read_frame(self) -> bytes:
        return self.rx.pop_padded(FRAME_BYTES)

    def poll_frame(self) -> bytes | None:
        return self.rx.pop(FRAME_BYTES)

    def write_frame(self, frame: bytes) -> None:
        check_frame(frame)
        self._send(frame)


class SimAudioLine:
    """A simulated audio path: `port` for the gateway, `device` for the simulated phone.

    What the gateway writes to `port` is what the device reads from `device`, and the
    other way round, like a pair of wires.
    """

    def __init__(self, max_frames: int = 250) -> None:
        to_device, to_port = FrameBuffer(max_frames), FrameBuffer(max_frames)
        self.port = BufferedEndpoint(rx=to_port, tx=to_device)
        self.device = BufferedEndpoint(rx=to_device, tx=to_port)

    def speak(self, pcm: bytes) -> None:
        """The device side produces `pcm` (any length of 16-bit samples)."""
        self.device.tx.push(pcm)

    def heard(self) -> bytes:
        """All audio the gateway has sent to the device so far (consumed)."""
        return self.device.rx.drain()
