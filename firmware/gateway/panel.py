"""The line host's side of the front panel: it owns the buttons and LEDs, the brain decides.

A button reports every whole second it is held and its release (`panel_button`, with how long
it was held) to the brain, which owns what a press means (firmware/panel/). The LEDs show what
the brain sends (`panel_leds`); until it first does, the power LED is on and the status LED
blinks (starting). The devices that are down go to the brain at start and at every change, for
the status LED.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from firmware.gateway.brain_link import DevicesDown, FromHost, PanelButton
from hal.gpio.button import Button
from hal.hardware import Hardware
from hal.health import DeviceStatus

log = logging.getLogger("minipbx.gateway.panel")


class HostPanel:
    def __init__(self, hw: Hardware, tell_brain: Callable[[FromHost], None]) -> None:
        self.hw = hw
        self.tell_brain = tell_brain
        self._down: list[str] | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        for spec in self.hw.board.buttons:
            self._wire(spec.name, spec.function, self.hw.buttons[spec.name])
        for led in self.hw.board.leds:
            if led.function == "power":
                self.hw.leds[led.name].on()
            elif led.function == "status":
                self.hw.leds[led.name].show("blink")
        self.hw.health.listeners.add(self._health)

    def _wire(self, name: str, function: str, button: Button) -> None:
        clock = button.clock
        pressed_at = [0.0]
        ticks = [0]

        def report(held: float, released: bool) -> None:
            self.tell_brain(PanelButton(type="panel_button", button=name, function=function,
                                        held_seconds=round(held, 2), released=released))

        def pressed() -> None:
            pressed_at[0], ticks[0] = clock.now(), 0

        def held() -> None:
            # Whole seconds by count: the clock read here may fall a hair short of the hold time.
            ticks[0] += 1
            report(ticks[0] * button.hold_time, False)

        button.when_pressed = pressed
        button.when_held = held
        button.when_released = lambda: report(max(clock.now() - pressed_at[0], ticks[0] * button.hold_time), True)

    def show(self, leds: dict[str, str]) -> None:
        """The brain's LED states (an unknown LED or state is logged, the others shown)."""
        for name, shown in leds.items():
            led = self.hw.leds.get(name)
            try:
                if led is None:
                    raise ValueError(f"no LED {name!r} on this board")
                led.show(shown)
            except ValueError as exc:
                log.warning("panel LEDs: %s", exc)

    def report_devices(self) -> None:
        """Tell the brain which devices are down (at hello, and whenever that changes)."""
        with self._lock:
            self._down = self.hw.health.faulty()
            down = list(self._down)
        self.tell_brain(DevicesDown(type="devices_down", devices=down))

    def _health(self, _status: DeviceStatus) -> None:
        with self._lock:
            changed = self._down is not None and self.hw.health.faulty() != self._down
        if changed:
            self.report_devices()
