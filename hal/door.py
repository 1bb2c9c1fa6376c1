"""The door station: an analog door phone (speaker + microphone on a sound-card
channel) with a call button, and the electric lock it opens."""

from __future__ import annotations

from collections.abc import Callable

from hal.audio.endpoint import AudioEndpoint
from hal.gpio.button import Button
from hal.gpio.output import DoorLock, OutputDevice
from hal.listeners import Listeners
from hal.ports import CADENCE_STANDARD, CallerId, DoorCalled, HookChanged, PortEvent, RingCadence


class DoorStation:
    """A door phone port.

    Pressing the call button emits DoorCalled (the gateway then calls the phones the
    operating mode designates). The door phone has no hook switch: the gateway
    "lifts" it with `connect()` when a phone answers, which powers its speech
    amplifier if one is wired, and `hang_up()` when the call ends. Implements
    hal.ports.LinePort so the gateway can treat it like any other port; `ring`
    sounds the station's chime if it has one (most have none, then it does nothing).
    """

    def __init__(
        self,
        name: str,
        *,
        audio: AudioEndpoint,
        button: Button,
        lock: DoorLock | None = None,
        talk: OutputDevice | None = None,
    ) -> None:
        self.name = name
        self._audio = audio
        self.button = button
        self.lock = lock
        self.talk = talk
        self._connected = False
        # When the lock was last released (the clock's time) and for how long; None = never.
        self.last_opened: tuple[float, float] | None = None
        self.listeners: Listeners[PortEvent] = Listeners()
        button.when_pressed = self._pressed

    @property
    def audio(self) -> AudioEndpoint:
        return self._audio

    @property
    def off_hook(self) -> bool:
        return self._connected

    def add_listener(self, callback: Callable[[PortEvent], None]) -> Callable[[], None]:
        return self.listeners.add(callback)

    def ring(self, caller_id: CallerId | None = None, cadence: RingCadence = CADENCE_STANDARD) -> None:
        """Door stations are called *from*, not rung; nothing to do."""

    def stop_ring(self) -> None:
        """Nothing rings at a door station."""

    def connect(self) -> None:
        """Open the speech path (a phone answered the door call)."""
        if self.talk is not None:
            self.talk.on()
        if not self._connected:
            self._connected = True
            self.listeners.emit(HookChanged(self.name, True))

    def hang_up(self) -> None:
        if self.talk is not None:
            self.talk.off()
        if self._connected:
            self._connected = False
            self.listeners.emit(HookChanged(self.name, False))

    def open_door(self, seconds: float | None = None) -> None:
        """Release the door lock for its configured open time (or `seconds`)."""
        if self.lock is None:
            raise RuntimeError(f"door station {self.name} has no lock configured")
        self.lock.pulse(seconds)
        self.last_opened = (self.lock.clock.now(), self.lock.open_time if seconds is None else seconds)

    def close(self) -> None:
        self.button.close()
        for output in (self.lock, self.talk):
            if output is not None:
                output.close()

    def _pressed(self) -> None:
        self.listeners.emit(DoorCalled(self.name))
