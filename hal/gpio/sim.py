"""Simulated pins: tests and the sim board drive inputs and read outputs."""

from __future__ import annotations

import threading

from hal.clock import Clock
from hal.gpio.pins import EdgeCallback, Pin, PinError, PinFactory, Pull


class SimPin(Pin):
    def __init__(self, factory: SimPinFactory, number: int) -> None:
        super().__init__(factory, number)
        self._clock = factory.clock
        self._lock = threading.Lock()
        self.mode: str | None = None
        self.pull = Pull.NONE
        self._level = False
        self._callback: EdgeCallback | None = None
        # (time, level) of every change of an output, for asserting blink and pulse timing.
        self.history: list[tuple[float, bool]] = []

    def setup_input(self, pull: Pull) -> None:
        with self._lock:
            self.mode, self.pull = "input", pull
            self._level = pull is Pull.UP

    def setup_output(self, initial: bool) -> None:
        with self._lock:
            self.mode = "output"
            self._level = initial
            self.history.append((self._clock.now(), initial))

    def read(self) -> bool:
        with self._lock:
            return self._level

    def write(self, level: bool) -> None:
        with self._lock:
            if self.mode != "output":
                raise PinError(f"GPIO {self.number} is not an output")
            if level != self._level:
                self._level = level
                self.history.append((self._clock.now(), level))

    def set_edge_callback(self, callback: EdgeCallback | None) -> None:
        with self._lock:
            self._callback = callback

    # --- what the outside world does to the pin ---
    def drive(self, level: bool) -> None:
        """Set an input's electrical level, as a switch or a sensor would."""
        with self._lock:
            if self.mode != "input":
                raise PinError(f"GPIO {self.number} is not an input")
            changed = level != self._level
            self._level = level
            callback = self._callback
        if changed and callback is not None:
            callback(level)

    @property
    def level(self) -> bool:
        return self.read()


class SimPinFactory(PinFactory):
    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self._all: dict[int, SimPin] = {}

    def _make_pin(self, number: int) -> Pin:
        pin = SimPin(self, number)
        self._all[number] = pin
        return pin

    def _release_pin(self, pin: Pin) -> None:
        # The simulated pin stays readable in `sim_pin` so tests can inspect it after close.
        pin.set_edge_callback(None)

    def sim_pin(self, number: int) -> SimPin:
        """The simulated pin with this number (as claimed by a device)."""
        try:
            return self._all[number]
        except KeyError:
            raise PinError(f"GPIO {number} was never claimed") from None
