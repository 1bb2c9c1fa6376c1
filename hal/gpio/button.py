"""Push buttons: debounced press/release, and hold detection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from hal.clock import Timer
from hal.gpio.pins import Pin, Pull

Action = Callable[[], None]


class Button:
    """A momentary switch to ground (pull-up, the usual wiring) or to 3.3 V.

    A level change counts only once the pin has stayed at the new level for
    `bounce_time`, so contact bounce never produces extra presses. `when_held`
    fires after `hold_time` of continuous press (and every `hold_time` after that
    if `hold_repeat`). Callbacks run on the clock's timer thread.
    """

    def __init__(
        self,
        pin: Pin,
        *,
        pull_up: bool = True,
        bounce_time: float = 0.02,
        hold_time: float = 1.0,
        hold_repeat: bool = False,
    ) -> None:
        if bounce_time < 0 or hold_time <= 0:
            raise ValueError("bounce_time must be >= 0 and hold_time > 0")
        self.pin = pin
        self.clock = pin.factory.clock
        self.pull_up = pull_up
        self.bounce_time = bounce_time
        self.hold_time = hold_time
        self.hold_repeat = hold_repeat
        self.when_pressed: Action | None = None
        self.when_released: Action | None = None
        self.when_held: Action | None = None
        self._lock = threading.Lock()
        self._settle: Timer | None = None
        self._hold: Timer | None = None
        self.held = False
        pin.setup_input(Pull.UP if pull_up else Pull.DOWN)
        self._pressed = self._level_pressed(pin.read())
        pin.set_edge_callback(self._on_edge)

    @property
    def is_pressed(self) -> bool:
        return self._pressed

    def close(self) -> None:
        self.pin.set_edge_callback(None)
        with self._lock:
            for timer in (self._settle, self._hold):
                if timer is not None:
                    timer.cancel()
        self.pin.close()

    def _level_pressed(self, level: bool) -> bool:
        return level != self.pull_up

    def _on_edge(self, _level: bool) -> None:
        with self._lock:
            if self._settle is not None:
                self._settle.cancel()
            self._settle = self.clock.call_later(self.bounce_time, self._settled)

    def _settled(self) -> None:
        # Read the pin again rather than trusting the last edge: edges can be missed.
        pressed = self._level_pressed(self.pin.read())
        with self._lock:
            self._settle = None
            if pressed == self._pressed:
                return
            self._pressed = pressed
            if self._hold is not None:
                self._hold.cancel()
                self._hold = None
            self.held = False
            if pressed:
                self._hold = self.clock.call_later(self.hold_time, self._held)
        action = self.when_pressed if pressed else self.when_released
        if action is not None:
            action()

    def _held(self) -> None:
        with self._lock:
            if not self._pressed:
                return
            self.held = True
            self._hold = self.clock.call_later(self.hold_time, self._held) if self.hold_repeat else None
        if self.when_held is not None:
            self.when_held()
