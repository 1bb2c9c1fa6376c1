from __future__ import annotations

import pytest

from hal.clock import ManualClock
from hal.gpio.led import Led
from hal.gpio.sim import SimPinFactory


def changes(pins: SimPinFactory, number: int) -> list[tuple[float, bool]]:
    return [(round(t, 3), level) for t, level in pins.sim_pin(number).history]


def test_on_off_toggle(pins: SimPinFactory) -> None:
    led = Led(pins.pin(23))
    assert not led.is_lit
    led.on()
    assert led.is_lit and pins.sim_pin(23).level
    led.toggle()
    assert not led.is_lit


def test_active_low_led_drives_the_pin_low_when_lit(pins: SimPinFactory) -> None:
    led = Led(pins.pin(23), active_high=False)
    assert pins.sim_pin(23).level
    led.on()
    assert not pins.sim_pin(23).level


def test_blink_n_times_then_off(pins: SimPinFactory, clock: ManualClock) -> None:
    led = Led(pins.pin(23))
    led.blink(0.1, 0.4, n=2)
    clock.advance(5)
    assert changes(pins, 23) == [(0.0, False), (0.0, True), (0.1, False), (0.5, True), (0.6, False)]
    assert clock.pending() == 0


def test_pattern_repeats_until_replaced(pins: SimPinFactory, clock: ManualClock) -> None:
    led = Led(pins.pin(23))
    led.pattern([(True, 0.05), (False, 0.05), (True, 0.05), (False, 0.85)])
    clock.advance(1.99)
    assert sum(1 for _, lit in changes(pins, 23) if lit) == 4  # two double flashes per second
    led.on()
    clock.advance(5.0)
    assert led.is_lit and clock.pending() == 0


@pytest.mark.parametrize("steps", [[], [(True, 0.0)], [(True, -1.0)]])
def test_bad_patterns_are_refused(pins: SimPinFactory, steps: list[tuple[bool, float]]) -> None:
    with pytest.raises(ValueError, match="positive duration"):
        Led(pins.pin(23)).pattern(steps)


def test_named_states_play_their_pattern_until_changed(pins: SimPinFactory, clock: ManualClock) -> None:
    led = Led(pins.pin(23))
    led.show("flash-2")
    clock.advance(3.9)
    # two short flashes every 2 s, twice
    assert [t for t, lit in changes(pins, 23) if lit] == [0.0, 0.35, 2.0, 2.35]
    led.show("on")
    clock.advance(1.0)
    assert led.is_lit and changes(pins, 23)[-1][1] is True
    with pytest.raises(ValueError, match="LED state 'dim' is not known; use one of: off, on, blink, blink-fast"):
        led.show("dim")
