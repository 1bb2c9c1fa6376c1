"""The pin interface every GPIO back-end implements (BCM numbering)."""

from __future__ import annotations

import enum
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable

from hal.clock import Clock, SystemClock

# BCM GPIO numbers on the 40-pin header of every Raspberry Pi since the B+.
BCM_PINS = range(0, 28)


class PinError(RuntimeError):
    """A pin that cannot be used as asked (bad number, already in use, wrong mode)."""


class Pull(enum.Enum):
    UP = "up"
    DOWN = "down"
    NONE = "none"


EdgeCallback = Callable[[bool], None]


class Pin(ABC):
    """One GPIO line. Levels are electrical (True = high); devices map them to meaning."""

    def __init__(self, factory: PinFactory, number: int) -> None:
        self.factory = factory
        self.number = number

    @abstractmethod
    def setup_input(self, pull: Pull) -> None: ...

    @abstractmethod
    def setup_output(self, initial: bool) -> None: ...

    @abstractmethod
    def read(self) -> bool: ...

    @abstractmethod
    def write(self, level: bool) -> None: ...

    @abstractmethod
    def set_edge_callback(self, callback: EdgeCallback | None) -> None:
        """Call `callback(level)` on every edge (both directions), from any thread."""

    def close(self) -> None:
        self.factory.release(self)


class PinFactory(ABC):
    """Hands out pins, each to one owner only, and owns the clock devices use."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self._pins: dict[int, Pin] = {}
        self._lock = threading.Lock()

    def pin(self, number: int) -> Pin:
        if number not in BCM_PINS:
            raise PinError(f"GPIO {number} does not exist; BCM numbers {BCM_PINS.start}-{BCM_PINS.stop - 1}")
        with self._lock:
            if number in self._pins:
                raise PinError(f"GPIO {number} is already in use")
            pin = self._make_pin(number)
            self._pins[number] = pin
            return pin

    def release(self, pin: Pin) -> None:
        with self._lock:
            if self._pins.get(pin.number) is pin:
                del self._pins[pin.number]
                self._release_pin(pin)

    def close(self) -> None:
        with self._lock:
            pins = list(self._pins.values())
        for pin in pins:
            pin.set_edge_callback(None)
            self.release(pin)

    @abstractmethod
    def _make_pin(self, number: int) -> Pin: ...

    @abstractmethod
    def _release_pin(self, pin: Pin) -> None:
        """Back-end clean-up for a released pin."""
