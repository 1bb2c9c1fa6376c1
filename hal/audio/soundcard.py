"""Audio through a sound card with sounddevice (PortAudio).

One card can serve several ports: a stereo codec on an FXS HAT carries port 1 on
the left channel and port 2 on the right. PortAudio's callback thread moves samples
between the card and each channel's FrameBuffers, so the gateway never waits on
the card. The stream runs at 8 kHz; for a card that cannot, name an ALSA `plug`
device (e.g. "plughw:1,0") in the board file and ALSA converts the rate.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from hal.audio.buffer import FrameBuffer
from hal.audio.endpoint import BufferedEndpoint
from hal.audio.format import FRAME_SAMPLES, SAMPLE_BYTES, SAMPLE_RATE
from hal.backoff import DEFAULT_BACKOFF, Backoff
from hal.health import DeviceState, StatusReporter

log = logging.getLogger(__name__)


class AudioDeviceError(RuntimeError):
    """A sound card that cannot be opened as configured."""


class SoundCard:
    """A sound card opened once, split into per-channel endpoints.

    If the card disappears (a USB card unplugged) the stream ends; the card is
    reported down and reopened with backoff, and the endpoints stay valid.
    """

    def __init__(
        self,
        name: str,
        device: str | int | None,
        channels: int,
        *,
        capture: bool = True,
        playback: bool = True,
        max_frames: int = 50,
        backoff: Backoff = DEFAULT_BACKOFF,
        sounddevice_module: Any = None,
    ) -> None:
        if channels < 1:
            raise ValueError(f"sound card {name}: channels must be at least 1, not {channels}")
        if not capture and not playback:
            raise ValueError(f"sound card {name}: needs capture, playback or both")
        self.name = name
        self.device = device
        self.channels = channels
        self.capture = capture
        self.playback = playback
        self._sd: Any = sounddevice_module
        self._backoff = backoff
        self._endpoints = [BufferedEndpoint(FrameBuffer(max_frames), FrameBuffer(max_frames)) for _ in range(channels)]
        self.reporter = StatusReporter(f"sound card {name}")
        self._stop = threading.Event()
        self._ended = threading.Event()
        self._thread: threading.Thread | None = None
        self._stream: Any = None

    def channel(self, index: int) -> BufferedEndpoint:
        """The endpoint for channel `index` (0 = left/first)."""
        if not 0 <= index < self.channels:
            raise IndexError(f"sound card {self.name} has channels 0-{self.channels - 1}, not {index}")
        return self._endpoints[index]

    def open(self) -> None:
        """Open the stream now; raise AudioDeviceError if the card cannot be used."""
        if self._sd is None:
            self._sd = importlib.import_module("sounddevice")
        kind: Any
        callback: Callable[..., None]
        if self.capture and self.playback:
            kind, callback = self._sd.RawStream, self._duplex_callback
        elif self.capture:
            kind, callback = self._sd.RawInputStream, self._input_callback
        else:
            kind, callback = self._sd.RawOutputStream, self._output_callback
        self._ended.clear()
        try:
            stream = kind(
                samplerate=SAMPLE_RATE,
                blocksize=FRAME_SAMPLES,
                device=self.device,
                channels=self.channels,
                dtype="int16",
                callback=callback,
                finished_callback=self._ended.set,
            )
            stream.start()
        except (self._sd.PortAudioError, ValueError) as exc:
            raise AudioDeviceError(f"sound card {self.name} (device {self.device!r}): {exc}") from None
        self._stream = stream
        self.reporter.set(DeviceState.UP)

    def start(self) -> None:
        """Open the card in the background and keep it open (reopening after a loss)."""
        self._thread = threading.Thread(target=self._supervise, name=f"soundcard-{self.name}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._ended.set()
        self._close_stream()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.reporter.set(DeviceState.CLOSED)

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception as exc:
                log.debug("closing sound card %s: %s", self.name, exc)

    def _supervise(self) -> None:
        delays = self._backoff.delays()
        while not self._stop.is_set():
            try:
                self.open()
            except AudioDeviceError as exc:
                self.reporter.set(DeviceState.DOWN, str(exc))
                self._stop.wait(delays.next())
                continue
            delays.reset()
            self._ended.wait()
            self._close_stream()
            if not self._stop.is_set():
                self.reporter.set(DeviceState.DOWN, "audio stream stopped (card removed?)")

    # PortAudio's three stream kinds call back with different arguments.
    def _duplex_callback(self, indata: Any, outdata: Any, frames: int, _time: Any, _status: Any) -> None:
        self._move(indata, outdata, frames)

    def _input_callback(self, indata: Any, frames: int, _time: Any, _status: Any) -> None:
        self._move(indata, None, frames)

    def _output_callback(self, outdata: Any, frames: int, _time: Any, _status: Any) -> None:
        self._move(None, outdata, frames)

    def _move(self, indata: Any, outdata: Any, frames: int) -> None:
        # Runs on PortAudio's real-time thread: only buffer copies, no logging, no blocking.
        if indata is not None:
            captured = np.frombuffer(bytes(indata), dtype="<i2").reshape(-1, self.channels)
            for index, endpoint in enumerate(self._endpoints):
                endpoint.rx.push(np.ascontiguousarray(captured[:, index]).tobytes())
        if outdata is not None:
            mixed = np.empty((frames, self.channels), dtype="<i2")
            for index, endpoint in enumerate(self._endpoints):
                mixed[:, index] = np.frombuffer(endpoint.tx.pop_padded(frames * SAMPLE_BYTES), dtype="<i2")
            outdata[:] = mixed.tobytes()
