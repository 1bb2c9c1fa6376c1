"""The SLIC controller driver talking to the simulated controller over a pty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hal.audio.endpoint import SimAudioLine
from hal.backoff import Backoff
from hal.clock import ManualClock
from hal.fxs.controller import ControllerError, SlicController
from hal.fxs.sim import SlicSimulator
from hal.health import DeviceState
from hal.ports import CADENCE_UK, CallerId, DigitPressed, FlashPressed, HookChanged, PortFault
from tests.hal.eventually import EventLog, eventually


class Rig:
    def __init__(self, sim: SlicSimulator, controller: SlicController) -> None:
        self.sim = sim
        self.controller = controller
        self.events = EventLog()
        for port in controller.ports.values():
            port.add_listener(self.events)

    def up(self) -> None:
        eventually(lambda: self.controller.status.state is DeviceState.UP, what="controller up")


def make_rig(tmp_path: Path, clock: ManualClock, backoff: Backoff, channels: int = 2, ports: int = 2) -> Rig:
    sim = SlicSimulator.on_pty(tmp_path / "ttySLIC", channels=channels, clock=clock)
    lines = {n: SimAudioLine() for n in range(1, ports + 1)}
    for n, line in lines.items():
        if n <= channels:
            sim.phone(n).audio = line
    controller = SlicController(
        sim.url, ports={n: (f"fxs{n}", line.port) for n, line in lines.items()}, backoff=backoff
    )
    return Rig(sim, controller)


@pytest.fixture
def rig(tmp_path: Path, clock: ManualClock, fast_backoff: Backoff) -> Iterator[Rig]:
    rig = make_rig(tmp_path, clock, fast_backoff)
    rig.controller.start()
    rig.up()
    yield rig
    rig.controller.close()
    rig.sim.close()


def test_handshake_learns_the_controller(rig: Rig) -> None:
    assert rig.controller.firmware == "SLIC 1 2"
    assert rig.sim.requests[:3] == ["1 HELLO", "2 STATUS 1", "3 STATUS 2"]


def test_ringing_follows_the_cadence_and_caller_id_shows_after_the_first_burst(rig: Rig, clock: ManualClock) -> None:
    port, phone = rig.controller.ports["fxs1"], rig.sim.phone(1)
    port.ring(CallerId(number="0401234567", name="Äiti Front desk"), CADENCE_UK)
    assert phone.ringing and phone.bell and port.ringing
    assert phone.caller_id is None
    clock.advance(0.4)
    # Non-ASCII letters are dropped: the FSK caller ID carries ASCII only.
    assert phone.caller_id == CallerId(number="0401234567", name="iti Front desk")
    clock.advance(5.5)  # to t = 5.9 s: two periods of the double ring
    assert phone.measured_cadence()[:4] == (0.4, 0.2, 0.4, 2.0)
    assert phone.bursts == 4
    port.stop_ring()
    assert not phone.ringing and not phone.bell and not port.ringing


def test_lifting_the_phone_stops_the_ringing_and_is_reported(rig: Rig, clock: ManualClock) -> None:
    port, phone = rig.controller.ports["fxs2"], rig.sim.phone(2)
    port.ring()
    clock.advance(1.0)
    phone.lift()
    assert rig.events.wait_for(HookChanged) == HookChanged("fxs2", True)
    assert port.off_hook and not port.ringing and not phone.ringing
    phone.hang_up()
    rig.events.wait_for(lambda e: e == HookChanged("fxs2", False))


def test_keypad_and_flash(rig: Rig) -> None:
    phone = rig.sim.phone(1)
    phone.lift()
    phone.dial("*72#")
    phone.flash()
    rig.events.wait_for(FlashPressed)
    assert [e.digit for e in rig.events.of_type(DigitPressed)] == ["*", "7", "2", "#"]


def test_ringing_an_off_hook_phone_is_refused(rig: Rig) -> None:
    rig.sim.phone(1).lift()
    rig.events.wait_for(HookChanged)
    with pytest.raises(ControllerError, match="RING 1 2000 4000 refused: busy"):
        rig.controller.ports["fxs1"].ring()


def test_polarity_reversal(rig: Rig) -> None:
    rig.controller.ports["fxs1"].set_polarity(True)
    assert rig.sim.phone(1).polarity_reversed


def test_a_port_fault_refuses_requests(rig: Rig) -> None:
    rig.sim.failing.add(2)
    with pytest.raises(ControllerError, match="refused: fault"):
        rig.controller.ports["fxs2"].ring()


def test_malformed_lines_are_counted_and_skipped(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.sim.send_raw(b"\xff\xfe\n! HOOK 1 SIDEWAYS\nnonsense here\n" + b"#" * 500 + b"\n! HOOK 9 OFF\n")
    eventually(lambda: rig.controller.malformed == 4, what="malformed lines counted")
    assert "ignoring malformed line from controller" in caplog.text
    rig.sim.phone(1).lift()
    rig.events.wait_for(HookChanged)
    assert rig.controller.status.state is DeviceState.UP


def test_silent_controller_times_out_with_a_clear_error(rig: Rig) -> None:
    rig.controller.command_timeout = 0.2
    rig.sim.port.on_data = lambda data: None  # firmware hung: reads, never answers
    with pytest.raises(ControllerError, match=r"no reply to STOP within 0\.2 s"):
        rig.controller.ports["fxs1"].stop_ring()


def test_unplug_faults_every_port_and_replug_restores_hook_state(rig: Rig) -> None:
    rig.sim.unplug()
    eventually(lambda: rig.controller.status.state is DeviceState.DOWN, what="controller down")
    assert {e.port for e in rig.events.of_type(PortFault)} == {"fxs1", "fxs2"}
    with pytest.raises(ControllerError, match="slic is not connected"):
        rig.controller.ports["fxs1"].ring()
    rig.sim.phone(1).off_hook = True  # someone lifted the phone while the HAT was unplugged
    rig.sim.plug()
    rig.up()
    rig.events.wait_for(lambda e: e == HookChanged("fxs1", True))


def test_a_controller_reboot_is_noticed_and_resynchronised(rig: Rig) -> None:
    rig.controller.ports["fxs1"].ring()
    rig.sim.phone(2).off_hook = True
    rig.sim.reboot()
    rig.events.wait_for(lambda e: e == HookChanged("fxs2", True))
    assert not rig.controller.ports["fxs1"].ringing


def test_a_board_with_more_ports_than_the_controller_is_reported(
    tmp_path: Path, clock: ManualClock, fast_backoff: Backoff
) -> None:
    rig = make_rig(tmp_path, clock, fast_backoff, channels=1, ports=2)
    rig.controller.start()
    try:
        eventually(lambda: "controller has 1" in rig.controller.status.detail, what="port mismatch reported")
        assert rig.controller.status.state is DeviceState.DOWN
    finally:
        rig.controller.close()
        rig.sim.close()
