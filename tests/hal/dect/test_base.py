"""The DECT driver talking to the simulated module over socket:// (and a pty)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hal.backoff import Backoff
from hal.clock import ManualClock
from hal.dect.base import (
    DectBase,
    DectError,
    DectHandset,
    HandsetDeregistered,
    HandsetMoved,
    HandsetRange,
    HandsetSubscribed,
)
from hal.dect.protocol import Frame, FrameType, Melody, encode
from hal.dect.sim import DectSimulator, SubscriptionClosed, VirtualHandset
from hal.health import DeviceState
from hal.ports import CADENCE_INTERNAL, CallerId, DigitPressed, HookChanged, PortFault
from tests.hal.eventually import EventLog, eventually
from tests.hal.tones import tone, tone_power


class Rig:
    def __init__(self, sim: DectSimulator, base: DectBase) -> None:
        self.sim = sim
        self.base = base
        self.events = EventLog()
        self.port_events = EventLog()
        base.add_listener(self.events)

    def up(self) -> None:
        eventually(lambda: self.base.status.state is DeviceState.UP, what="DECT module up")

    def watch(self, port: str) -> None:
        self.base.ports[port].add_listener(self.port_events)


@pytest.fixture
def rig(clock: ManualClock, fast_backoff: Backoff) -> Iterator[Rig]:
    sim = DectSimulator.on_tcp(preregistered=2, clock=clock)
    rig = Rig(sim, DectBase(sim.url, backoff=fast_backoff))
    rig.base.start()
    rig.up()
    yield rig
    rig.base.close()
    sim.close()


def test_registered_handsets_appear_as_ports(rig: Rig) -> None:
    assert sorted(rig.base.ports) == ["dect1", "dect2"]
    assert rig.base.slots == 6
    assert [e.ipui for e in rig.events.of_type(HandsetSubscribed)] == ["0123456001", "0123456002"]


def test_subscribing_a_handset_needs_an_open_window(rig: Rig, clock: ManualClock) -> None:
    with pytest.raises(SubscriptionClosed):
        rig.sim.subscribe()
    rig.base.open_subscription(60)
    rig.sim.subscribe()
    rig.events.wait_for(lambda e: isinstance(e, HandsetSubscribed) and e.port == "dect3")
    assert "dect3" in rig.base.ports
    clock.advance(60)
    with pytest.raises(SubscriptionClosed):
        rig.sim.subscribe()


def test_deregistering_removes_the_port(rig: Rig) -> None:
    rig.base.deregister(2)
    rig.events.wait_for(HandsetDeregistered)
    assert sorted(rig.base.ports) == ["dect1"]
    with pytest.raises(DectError, match="DEREGISTER for handset 2 refused: NOT_SUBSCRIBED"):
        rig.base.deregister(2)


def test_an_incoming_call_rings_answers_and_talks(rig: Rig) -> None:
    rig.watch("dect1")
    port, handset = rig.base.ports["dect1"], rig.sim.handset(1)
    port.ring(CallerId(number="0401234567", name="Anna"), CADENCE_INTERNAL)
    assert handset.ringing and handset.melody is Melody.INTERNAL
    assert handset.caller_id == CallerId(number="0401234567", name="Anna")
    handset.press_talk()
    assert rig.port_events.wait_for(HookChanged) == HookChanged("dect1", True)
    eventually(lambda: handset.connected, what="voice path opened")
    _talk_both_ways(port, handset, 440, 1000)


def _talk_both_ways(port: DectHandset, handset: VirtualHandset, hz_in: float, hz_out: float) -> None:
    handset.heard()
    handset.speak(tone(hz_in, 0.4))
    received = bytearray()

    def got_audio() -> bool:
        chunk = port.audio.read_frame()
        if any(chunk):
            received.extend(chunk)
        return len(received) >= 6400

    eventually(got_audio, what="handset audio at the port")
    assert tone_power(bytes(received), hz_in) > 0.8
    for start in range(0, 6400, 320):
        port.audio.write_frame(tone(hz_out, 0.4)[start : start + 320])
    eventually(lambda: handset.heard_bytes >= 6400, what="port audio in the earpiece")
    assert tone_power(handset.heard(), hz_out) > 0.8


def test_a_handset_moving_to_another_cell_keeps_its_call(clock: ManualClock, fast_backoff: Backoff) -> None:
    sim = DectSimulator.on_tcp(preregistered=1, cells=2, clock=clock)
    base = DectBase(sim.url, backoff=fast_backoff)
    events = EventLog()
    base.add_listener(events)
    base.start()
    try:
        eventually(lambda: base.status.state is DeviceState.UP, what="DECT module up")
        assert base.cells == 2
        port, handset = base.ports["dect1"], sim.handset(1)
        assert port.cell == 1
        handset.press_talk()
        eventually(lambda: handset.connected, what="voice path opened")
        _talk_both_ways(port, handset, 440, 1000)
        handset.move_to(2)
        assert events.wait_for(HandsetMoved) == HandsetMoved("dect1", 2)
        assert port.cell == 2 and base.ports["dect1"] is port and handset.connected
        _talk_both_ways(port, handset, 600, 1400)
        with pytest.raises(ValueError, match="cell 3 does not exist; the module has cells 1-2"):
            handset.move_to(3)
    finally:
        base.close()
        sim.close()


def test_a_location_naming_a_cell_the_module_lacks_is_skipped(rig: Rig) -> None:
    rig.sim.send(FrameType.LOCATION, 1, bytes([2]))
    eventually(lambda: rig.base.malformed == 1, what="bad LOCATION counted")
    assert rig.base.ports["dect1"].cell == 1 and not rig.events.of_type(HandsetMoved)


def test_digits_range_and_hang_up(rig: Rig) -> None:
    rig.watch("dect2")
    handset = rig.sim.handset(2)
    handset.press_talk()
    handset.dial("123#")
    rig.port_events.wait_for(lambda e: isinstance(e, DigitPressed) and e.digit == "#")
    assert "".join(e.digit for e in rig.port_events.of_type(DigitPressed)) == "123#"
    handset.press_end()
    rig.port_events.wait_for(lambda e: e == HookChanged("dect2", False))
    handset.walk_away()
    assert rig.events.wait_for(HandsetRange) == HandsetRange("dect2", False)


def test_release_ends_the_call_on_the_handset(rig: Rig) -> None:
    handset = rig.sim.handset(1)
    handset.press_talk()
    eventually(lambda: handset.connected, what="connected")
    rig.base.ports["dect1"].release()
    assert handset.released and not handset.connected


def test_ringing_a_busy_handset_is_refused(rig: Rig) -> None:
    rig.sim.handset(1).press_talk()
    eventually(lambda: rig.base.ports["dect1"].off_hook, what="off hook")
    with pytest.raises(DectError, match="RING for handset 1 refused: WRONG_STATE handset busy"):
        rig.base.ports["dect1"].ring()


def test_damaged_and_nonsense_frames_are_skipped(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.watch("dect1")
    rig.sim.send_raw(b"\x00\x01noise")
    rig.sim.send(FrameType.OFF_HOOK, 9)  # a handset that is not subscribed
    rig.sim.send(FrameType.DIGITS, 1, b"1x")
    rig.sim.send(FrameType.RING, 1)  # a host frame type coming from the module
    rig.sim.send_raw(encode(Frame(FrameType.ON_HOOK, 1, 0))[:-1] + b"\x00")
    eventually(lambda: rig.base.malformed >= 5, what="bad input counted")
    assert "not subscribed" in caplog.text and "not phone digits" in caplog.text
    rig.sim.handset(1).press_talk()
    rig.port_events.wait_for(HookChanged)


def test_unplugging_the_module_faults_the_handsets_and_replugging_restores_them(rig: Rig) -> None:
    rig.watch("dect1")
    rig.sim.unplug()
    eventually(lambda: rig.base.status.state is DeviceState.DOWN, what="module down")
    rig.port_events.wait_for(PortFault)
    with pytest.raises(DectError, match="dect is not connected"):
        rig.base.ports["dect1"].ring()
    rig.sim.plug()
    rig.up()
    rig.base.ports["dect1"].ring()
    assert rig.sim.handset(1).ringing


def test_the_driver_works_over_a_pty_too(tmp_path: Path, clock: ManualClock, fast_backoff: Backoff) -> None:
    sim = DectSimulator.on_pty(tmp_path / "ttyDECT", preregistered=1, clock=clock)
    rig = Rig(sim, DectBase(sim.url, backoff=fast_backoff))
    rig.base.start()
    try:
        rig.up()
        rig.base.ports["dect1"].show("Night mode")
        assert sim.handset(1).display == "Night mode"
    finally:
        rig.base.close()
        sim.close()
