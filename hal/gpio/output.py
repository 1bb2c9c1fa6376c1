"""Switched outputs: relays, door locks, amplifier enables."""

from __future__ import annotations

import threading

from hal.clock import Timer
from hal.gpio.pins import Pin


class OutputDevice:
    """An output that is either active or not; `active_high` maps meaning to level."""

    def __init__(self, pin: Pin, *, active_high: bool = True, initial: bool = False) -> None:
        self.pin = pin
        self.active_high = active_high
        self.clock = pin.factory.clock
        self._lock = threading.RLock()
        self._timer: Timer | None = None
        pin.setup_output(initial == active_high)

    @property
    def is_active(self) -> bool:
        return self.pin.read() == self.active_high

    def on(self) -> None:
        with self._lock:
            self._cancel()
            self._set(True)

    def off(self) -> None:
        with self._lock:
            self._cancel()
            self._set(False)

    def close(self) -> None:
        self.off()
        self.pin.close()

    def _set(self, active: bool) -> None:
        self.pin.write(active == self.active_high)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Relay(OutputDevice):
    """A relay; `pulse` closes it for a while (a door strike, a gate opener)."""

    def pulse(self, seconds: float) -> None:
        """Activate now and release after `seconds`; a new pulse restarts the time."""
        if seconds <= 0:
            raise ValueError(f"pulse length must be positive, not {seconds}")
        with self._lock:
            self._cancel()
            self._set(True)
            self._timer = self.clock.call_later(seconds, self._release)

    def _release(self) -> None:
        with self._lock:
            self._timer = None
            self._set(False)


class DoorLock(Relay):
    """An electric door strike on a relay; `open_time` is how long `pulse()` unlocks."""

    def __init__(self, pin: Pin, *, open_time: float = 3.0, active_high: bool = True) -> None:
        super().__init__(pin, active_high=active_high)
        self.open_time = open_time

    def pulse(self, seconds: float | None = None) -> None:
        super().pulse(self.open_time if seconds is None else seconds)

    @property
    def is_unlocked(self) -> bool:
        return self.is_active
