"""Real pins through the RPi.GPIO API.

On a Pi 4 the API comes from RPi.GPIO; on a Pi 5 (whose GPIO sits behind the RP1
chip that RPi.GPIO cannot drive) the rpi-lgpio package provides the same module name
over lgpio. The module is imported lazily so that this file loads anywhere, and it
can be injected so that the back-end logic is testable without a Pi.
"""

from __future__ import annotations

import importlib
from typing import Any

from hal.clock import Clock
from hal.gpio.pins import EdgeCallback, Pin, PinFactory, Pull


class RPiGPIOPin(Pin):
    def __init__(self, factory: RPiGPIOFactory, number: int) -> None:
        super().__init__(factory, number)
        self._gpio = factory.gpio
        self._detecting = False

    def setup_input(self, pull: Pull) -> None:
        gpio = self._gpio
        pud = {Pull.UP: gpio.PUD_UP, Pull.DOWN: gpio.PUD_DOWN, Pull.NONE: gpio.PUD_OFF}[pull]
        self._gpio.setup(self.number, self._gpio.IN, pull_up_down=pud)

    def setup_output(self, initial: bool) -> None:
        self._gpio.setup(self.number, self._gpio.OUT, initial=self._gpio.HIGH if initial else self._gpio.LOW)

    def read(self) -> bool:
        return bool(self._gpio.input(self.number))

    def write(self, level: bool) -> None:
        self._gpio.output(self.number, self._gpio.HIGH if level else self._gpio.LOW)

    def set_edge_callback(self, callback: EdgeCallback | None) -> None:
        if self._detecting:
            self._gpio.remove_event_detect(self.number)
            self._detecting = False
        if callback is None:
            return

        # No bouncetime here: Button debounces with the injected clock, identically on every back-end.
        def on_edge(channel: int) -> None:
            callback(bool(self._gpio.input(channel)))

        self._gpio.add_event_detect(self.number, self._gpio.BOTH, callback=on_edge)
        self._detecting = True


class RPiGPIOFactory(PinFactory):
    """Pins via the `RPi.GPIO` module (pass `gpio` to use a stand-in module)."""

    backend = "rpigpio"

    def __init__(self, clock: Clock | None = None, gpio: Any = None) -> None:
        super().__init__(clock)
        self.gpio: Any = gpio if gpio is not None else importlib.import_module("RPi.GPIO")
        self.gpio.setwarnings(False)
        self.gpio.setmode(self.gpio.BCM)

    def _make_pin(self, number: int) -> Pin:
        return RPiGPIOPin(self, number)

    def _release_pin(self, pin: Pin) -> None:
        pin.set_edge_callback(None)
        self.gpio.cleanup(pin.number)


class LgpioFactory(RPiGPIOFactory):
    """Pins on a Pi 5: the RPi.GPIO API as provided by the rpi-lgpio package."""

    backend = "lgpio"
