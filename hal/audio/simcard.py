"""A simulated sound card: each channel is an in-memory audio line to a simulated
device (a virtual phone's handset, a door station, a loudspeaker)."""

from __future__ import annotations

from hal.audio.endpoint import BufferedEndpoint, SimAudioLine
from hal.health import DeviceState, StatusReporter


class SimSoundCard:
    def __init__(self, name: str, channels: int) -> None:
        self.name = name
        self.channels = channels
        self.lines = [SimAudioLine() for _ in range(channels)]
        self.reporter = StatusReporter(f"sound card {name}")

    def channel(self, index: int) -> BufferedEndpoint:
        return self.line(index).port

    def line(self, index: int) -> SimAudioLine:
        if not 0 <= index < self.channels:
            raise IndexError(f"sound card {self.name} has channels 0-{self.channels - 1}, not {index}")
        return self.lines[index]

    def start(self) -> None:
        self.reporter.set(DeviceState.UP)

    def close(self) -> None:
        self.reporter.set(DeviceState.CLOSED)
