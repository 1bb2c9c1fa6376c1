"""Paging zones: loudspeakers behind an amplifier on a sound-card output."""

from __future__ import annotations

from hal.audio.endpoint import AudioEndpoint
from hal.audio.format import check_frame
from hal.gpio.output import OutputDevice


class PagingZone:
    """Announcements to a zone. `start()` powers the amplifier, `stop()` cuts it;
    audio written while the amplifier is off is dropped, so an idle zone never hums
    or plays stray sound."""

    def __init__(self, name: str, *, audio: AudioEndpoint, amplifier: OutputDevice | None = None) -> None:
        self.name = name
        self._audio = audio
        self.amplifier = amplifier
        self._active = False

    @property
    def active(self) -> bool:
        return self._active

    def start(self) -> None:
        if self.amplifier is not None:
            self.amplifier.on()
        self._active = True

    def stop(self) -> None:
        self._active = False
        if self.amplifier is not None:
            self.amplifier.off()

    def write_frame(self, frame: bytes) -> None:
        """Play 20 ms (8 kHz 16-bit mono) in the zone, if paging is on."""
        check_frame(frame)
        if self._active:
            self._audio.write_frame(frame)

    def close(self) -> None:
        self.stop()
        if self.amplifier is not None:
            self.amplifier.close()
