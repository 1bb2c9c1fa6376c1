"""The whole simulated board: boards/sim.toml opened through real drivers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hal.backoff import Backoff
from hal.board import load_board
from hal.clock import ManualClock
from hal.fxo.events import CallerIdReceived, LineRinging
from hal.gpio.sim import SimPinFactory
from hal.hardware import Hardware
from hal.health import DeviceState
from hal.ports import CallerId, DoorCalled, HookChanged
from tests.hal.eventually import EventLog, eventually
from tests.hal.tones import tone, tone_power

SIM_BOARD = Path(__file__).resolve().parents[2] / "boards" / "sim.toml"


@pytest.fixture
def hw(clock: ManualClock, fast_backoff: Backoff) -> Iterator[Hardware]:
    hardware = Hardware.open(load_board(SIM_BOARD), clock=clock, backoff=fast_backoff)
    assert hardware.wait_ready(10), hardware.health.statuses()
    yield hardware
    hardware.close()


def test_every_device_of_the_sim_board_comes_up(hw: Hardware) -> None:
    assert sorted(hw.ports()) == ["dect1", "dect2", "door1", "fxs1", "fxs2"]
    assert list(hw.fxo) == ["fxo1"] and list(hw.paging) == ["zone1"]
    assert sorted(hw.buttons) == ["mode", "pair", "reset"]
    assert sorted(hw.leds) == ["break", "day", "line1", "lunch", "message", "night", "pair", "power", "status"]
    assert all(s.state is DeviceState.UP for s in hw.health.statuses().values())


def test_an_analog_phone_call_with_audio(hw: Hardware) -> None:
    assert hw.sim.slic is not None
    events = EventLog()
    port = hw.fxs["fxs1"]
    port.add_listener(events)
    phone = hw.sim.slic.phone(1)
    phone.lift()
    events.wait_for(HookChanged)
    audio = hw.sim.audio["fxs1"]
    audio.speak(tone(440, 0.2))
    assert tone_power(b"".join(port.audio.read_frame() for _ in range(10)), 440) > 0.8
    port.audio.write_frame(tone(1000, 0.02))
    assert tone_power(audio.heard(), 1000) > 0.8


def test_door_button_and_paging(hw: Hardware, clock: ManualClock) -> None:
    pins = hw.sim.pins
    assert isinstance(pins, SimPinFactory)
    events = EventLog()
    hw.doors["door1"].add_listener(events)
    pins.sim_pin(17).drive(False)
    clock.advance(0.05)
    events.wait_for(DoorCalled)
    hw.doors["door1"].open_door()
    assert pins.sim_pin(27).level
    hw.paging["zone1"].start()
    assert pins.sim_pin(22).level


def test_an_unplugged_modem_is_reported_and_other_ports_keep_working(hw: Hardware, clock: ManualClock) -> None:
    modem, slic = hw.sim.modems["fxo1"], hw.sim.slic
    assert slic is not None
    modem.unplug()
    eventually(lambda: hw.health.faulty() == ["fxo1"], what="modem fault reported")
    events = EventLog()
    hw.fxs["fxs2"].add_listener(events)
    slic.phone(2).lift()
    events.wait_for(HookChanged)
    modem.plug()
    assert hw.wait_ready(10)
    assert hw.health.faulty() == []
    line_events = EventLog()
    hw.fxo["fxo1"].add_listener(line_events)
    modem.ring(CallerId(number="123"))  # no name: the block ends after a short pause
    line_events.wait_for(LineRinging)
    # The block's end is a pause on the manual clock, timed from its last byte: the modem's reader
    # thread may not have read those bytes yet, so the pause is advanced in steps until it ends.
    for _ in range(100):
        if line_events.of_type(CallerIdReceived):
            break
        clock.advance(0.1)
        time.sleep(0.05)
    assert line_events.wait_for(CallerIdReceived).caller_id == CallerId(number="123")


def test_closing_removes_the_simulator_ptys(clock: ManualClock, fast_backoff: Backoff) -> None:
    hardware = Hardware.open(load_board(SIM_BOARD), clock=clock, backoff=fast_backoff)
    url = hardware.sim.modems["fxo1"].url
    assert Path(url).exists()
    hardware.close()
    assert not Path(url).exists() and not Path(url).parent.exists()
