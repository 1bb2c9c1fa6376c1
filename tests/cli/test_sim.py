"""`minipbx sim` words against the simulated board's control socket (real drivers, real simulators)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware.cli.sim import run_words
from firmware.gateway.simcontrol import SimClient, SimControlServer, SimError
from hal.board import load_board
from hal.clock import SystemClock
from hal.hardware import Hardware

SIM_BOARD = Path(__file__).resolve().parents[2] / "boards" / "sim.toml"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[Hardware, SimClient]]:
    clock = SystemClock()
    hw = Hardware.open(load_board(SIM_BOARD), clock=clock)
    server = SimControlServer(tmp_path / "sim.sock", hw, clock)
    server.start()
    try:
        with SimClient(tmp_path / "sim.sock") as sim:
            yield hw, sim
    finally:
        server.close()
        hw.close()


def test_press_a_panel_button_short_or_held(client: tuple[Hardware, SimClient]) -> None:
    hw, sim = client
    presses: list[float] = []
    for name in ("mode", "reset"):
        button = hw.buttons[name]
        released = threading.Event()
        started: list[float] = []
        button.when_pressed = lambda s=started: s.append(hw.clock.now())
        button.when_released = lambda e=released, s=started: (presses.append(hw.clock.now() - s[0]), e.set())
        shown = run_words(sim, ["press", name] + (["--hold", "1.5"] if name == "reset" else []))
        assert released.wait(5), f"{name} was not released"
        assert "LEDs     power: off  status: off" in shown
    assert presses[0] < 0.5 and 1.3 < presses[1] < 2.5
    assert "door1    door idle, lock closed, never opened" in run_words(sim, ["state"])


def test_a_button_the_board_lacks_is_named_with_those_it_has(client: tuple[Hardware, SimClient]) -> None:
    _, sim = client
    with pytest.raises(SimError, match="no front-panel button 'night'; buttons: mode, reset"):
        run_words(sim, ["press", "night"])
    with pytest.raises(SimError, match="--hold 'long' is not accepted"):
        run_words(sim, ["press", "mode", "--hold", "long"])
