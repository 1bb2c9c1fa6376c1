"""Front-panel LEDs: steady, blinking, or any on/off pattern."""

from __future__ import annotations

from collections.abc import Sequence

from hal.gpio.output import OutputDevice
from hal.gpio.pins import Pin

Steps = tuple[tuple[bool, float], ...]
_FLASH, _GAP = 0.15, 0.2
# What a front-panel LED can show, by name: the brain names one per LED (firmware/panel/leds.py)
# and the line host plays it. "flash-N": N short flashes every 2 s (a pattern per operating mode
# on a board with one mode LED, tellable apart at a glance).
PATTERNS: dict[str, Steps] = {
    "blink": ((True, 0.5), (False, 0.5)),
    "blink-fast": ((True, 0.1), (False, 0.1)),
    **{f"flash-{n}": (*((True, _FLASH), (False, _GAP)) * (n - 1), (True, _FLASH),
                      (False, 2.0 - n * _FLASH - (n - 1) * _GAP)) for n in (1, 2, 3)},
}
SHOWN = ("off", "on", *PATTERNS)


class Led(OutputDevice):
    def __init__(self, pin: Pin, *, active_high: bool = True) -> None:
        super().__init__(pin, active_high=active_high)
        self._generation = 0

    @property
    def is_lit(self) -> bool:
        return self.is_active

    def on(self) -> None:
        with self._lock:
            self._generation += 1
            super().on()

    def off(self) -> None:
        with self._lock:
            self._generation += 1
            super().off()

    def toggle(self) -> None:
        if self.is_lit:
            self.off()
        else:
            self.on()

    def show(self, shown: str) -> None:
        """Show one of SHOWN by name: "off", "on" or a pattern of PATTERNS, repeated until changed."""
        if shown == "on":
            self.on()
        elif shown == "off":
            self.off()
        elif shown in PATTERNS:
            self.pattern(PATTERNS[shown])
        else:
            raise ValueError(f"LED state {shown!r} is not known; use one of: {', '.join(SHOWN)}")

    def blink(self, on_time: float = 0.5, off_time: float = 0.5, n: int | None = None) -> None:
        """Blink `n` times (forever if None), then stay off."""
        self.pattern([(True, on_time), (False, off_time)], repeat=n)

    def pattern(self, steps: Sequence[tuple[bool, float]], repeat: int | None = None) -> None:
        """Play (lit, seconds) steps `repeat` times (forever if None), then stay off.

        Patterns tell states apart at a glance: e.g. night mode = short flash every 2 s.
        """
        if not steps or any(seconds <= 0 for _, seconds in steps):
            raise ValueError("an LED pattern needs at least one step, each with a positive duration")
        if repeat is not None and repeat < 1:
            raise ValueError(f"repeat must be at least 1 (or None for forever), not {repeat}")
        with self._lock:
            self._cancel()
            self._generation += 1
            self._step(self._generation, tuple(steps), 0, repeat)

    def _step(self, generation: int, steps: tuple[tuple[bool, float], ...], index: int, left: int | None) -> None:
        with self._lock:
            # A newer on/off/pattern call has taken over: this timer chain ends here.
            if generation != self._generation:
                return
            if index == len(steps):
                index = 0
                if left is not None:
                    left -= 1
                    if left == 0:
                        self._timer = None
                        self._set(False)
                        return
            lit, seconds = steps[index]
            self._set(lit)
            self._timer = self.clock.call_later(seconds, lambda: self._step(generation, steps, index + 1, left))
