from __future__ import annotations

import pytest

from hal.audio.endpoint import SimAudioLine
from hal.clock import ManualClock
from hal.door import DoorStation
from hal.gpio.button import Button
from hal.gpio.output import DoorLock, OutputDevice
from hal.gpio.sim import SimPinFactory
from hal.ports import DoorCalled, HookChanged


def make_door(pins: SimPinFactory, with_lock: bool = True) -> tuple[DoorStation, list[object]]:
    door = DoorStation(
        "door1",
        audio=SimAudioLine().port,
        button=Button(pins.pin(17)),
        lock=DoorLock(pins.pin(27), open_time=3.0) if with_lock else None,
        talk=OutputDevice(pins.pin(26)),
    )
    events: list[object] = []
    door.add_listener(events.append)
    return door, events


def test_pressing_the_call_button_calls(pins: SimPinFactory, clock: ManualClock) -> None:
    _door, events = make_door(pins)
    pins.sim_pin(17).drive(False)
    clock.advance(0.05)
    assert events == [DoorCalled("door1")]


def test_answering_opens_the_speech_path_and_the_lock_opens_for_its_time(
    pins: SimPinFactory, clock: ManualClock
) -> None:
    door, events = make_door(pins)
    door.connect()
    assert door.off_hook and pins.sim_pin(26).level
    door.open_door()
    clock.advance(2.9)
    assert door.lock is not None and door.lock.is_unlocked
    clock.advance(0.2)
    assert not door.lock.is_unlocked
    door.hang_up()
    assert events == [HookChanged("door1", True), HookChanged("door1", False)]
    assert not pins.sim_pin(26).level


def test_a_door_without_a_lock_says_so(pins: SimPinFactory) -> None:
    door, _events = make_door(pins, with_lock=False)
    with pytest.raises(RuntimeError, match="door station door1 has no lock configured"):
        door.open_door()
