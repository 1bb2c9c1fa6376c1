from __future__ import annotations

from hal.clock import ManualClock
from hal.gpio.button import Button
from hal.gpio.sim import SimPinFactory


def make_button(pins: SimPinFactory, **kwargs: float | bool) -> tuple[Button, list[str]]:
    button = Button(pins.pin(5), bounce_time=0.02, hold_time=1.0, **kwargs)  # type: ignore[arg-type]
    seen: list[str] = []
    button.when_pressed = lambda: seen.append("pressed")
    button.when_released = lambda: seen.append("released")
    button.when_held = lambda: seen.append("held")
    return button, seen


def test_press_and_release_after_contact_bounce_count_once(pins: SimPinFactory, clock: ManualClock) -> None:
    button, seen = make_button(pins)
    pin = pins.sim_pin(5)
    for level in (False, True, False, True, False):  # a bouncing contact closing to ground
        pin.drive(level)
        clock.advance(0.003)
    assert seen == []
    clock.advance(0.02)
    assert seen == ["pressed"] and button.is_pressed
    for level in (True, False, True):
        pin.drive(level)
        clock.advance(0.003)
    clock.advance(0.02)
    assert seen == ["pressed", "released"] and not button.is_pressed


def test_a_glitch_shorter_than_bounce_time_is_ignored(pins: SimPinFactory, clock: ManualClock) -> None:
    _button, seen = make_button(pins)
    pin = pins.sim_pin(5)
    pin.drive(False)
    clock.advance(0.01)
    pin.drive(True)
    clock.advance(0.1)
    assert seen == []


def test_hold_fires_after_hold_time_and_not_for_a_short_press(pins: SimPinFactory, clock: ManualClock) -> None:
    button, seen = make_button(pins)
    pin = pins.sim_pin(5)
    pin.drive(False)
    clock.advance(0.5)
    pin.drive(True)
    clock.advance(2.0)
    assert seen == ["pressed", "released"]
    pin.drive(False)
    clock.advance(0.02 + 1.0)
    assert seen[-1] == "held" and button.held
    clock.advance(3.0)
    assert seen.count("held") == 1


def test_hold_repeat(pins: SimPinFactory, clock: ManualClock) -> None:
    _button, seen = make_button(pins, hold_repeat=True)
    pins.sim_pin(5).drive(False)
    clock.advance(0.02 + 3.0)
    assert seen.count("held") == 3


def test_pull_down_button_is_pressed_when_high(pins: SimPinFactory, clock: ManualClock) -> None:
    button = Button(pins.pin(6), pull_up=False, bounce_time=0.01)
    assert not button.is_pressed
    pins.sim_pin(6).drive(True)
    clock.advance(0.01)
    assert button.is_pressed


def test_close_cancels_timers_and_frees_the_pin(pins: SimPinFactory, clock: ManualClock) -> None:
    button, seen = make_button(pins)
    pins.sim_pin(5).drive(False)
    button.close()
    clock.advance(2.0)
    assert seen == []
    assert clock.pending() == 0
    pins.pin(5)  # free again
