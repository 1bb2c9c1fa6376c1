from __future__ import annotations

import pytest

from hal.clock import ManualClock
from hal.gpio.output import DoorLock, OutputDevice, Relay
from hal.gpio.sim import SimPinFactory


def test_relay_pulse_releases_after_its_time(pins: SimPinFactory, clock: ManualClock) -> None:
    relay = Relay(pins.pin(27))
    relay.pulse(0.5)
    assert relay.is_active
    clock.advance(0.49)
    assert relay.is_active
    clock.advance(0.02)
    assert not relay.is_active


def test_a_second_pulse_restarts_the_time(pins: SimPinFactory, clock: ManualClock) -> None:
    relay = Relay(pins.pin(27))
    relay.pulse(1.0)
    clock.advance(0.8)
    relay.pulse(1.0)
    clock.advance(0.8)
    assert relay.is_active
    clock.advance(0.3)
    assert not relay.is_active


def test_door_lock_opens_for_its_configured_time(pins: SimPinFactory, clock: ManualClock) -> None:
    lock = DoorLock(pins.pin(27), open_time=3.0)
    lock.pulse()
    clock.advance(2.9)
    assert lock.is_unlocked
    clock.advance(0.2)
    assert not lock.is_unlocked
    assert [level for _, level in pins.sim_pin(27).history] == [False, True, False]


def test_active_low_relay(pins: SimPinFactory) -> None:
    relay = OutputDevice(pins.pin(22), active_high=False)
    assert pins.sim_pin(22).level and not relay.is_active
    relay.on()
    assert not pins.sim_pin(22).level and relay.is_active


def test_pulse_length_must_be_positive(pins: SimPinFactory) -> None:
    with pytest.raises(ValueError, match="positive"):
        Relay(pins.pin(27)).pulse(0)
