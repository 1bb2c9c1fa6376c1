"""The brain's front panel with a real store: the mode key's presses and hold, the reset button,
the DECT pairing key (or reset let go early on a board without one), the LEDs sent."""
from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from firmware.admin import modes
from firmware.admin.context import Admin, audit_log
from firmware.dect.pairing import DEFAULT_WINDOW_SECONDS
from firmware.modes.state import mode_now, set_day_schedule
from firmware.panel.leds import led_states
from firmware.panel.service import PANEL, FrontPanel
from firmware.store.database import open_store
from hal.board import load_board

BOARD_DIR = Path(__file__).resolve().parents[2] / "boards"
BOARD = load_board(BOARD_DIR / "sim.toml")


@pytest.fixture
def panel(tmp_path: Path) -> FrontPanel:
    db = open_store(tmp_path)
    set_day_schedule(db, "mon-sun", "00:00-24:00 day")
    sent: list[dict[str, str]] = []
    calls: dict[str, Any] = {}
    front = FrontPanel(BOARD, Admin(db, tmp_path, PANEL), SimpleNamespace(calls=calls, dect_window_until=0.0),  # type: ignore[arg-type]
                       lambda leds: sent.append(leds) or True, lambda: [], selftest_result=tmp_path / "none.json")
    front.sent = sent  # type: ignore[attr-defined]
    return front


def press(panel: FrontPanel, function: str, seconds: float) -> None:
    for tick in range(1, int(seconds) + 1):
        panel.from_host({"type": "panel_button", "button": function, "function": function,
                         "held_seconds": float(tick), "released": False})
    panel.from_host({"type": "panel_button", "button": function, "function": function,
                     "held_seconds": seconds, "released": True})


def test_presses_step_the_mode_and_a_hold_returns_to_the_timetable(panel: FrontPanel) -> None:
    db = panel.admin.db
    seen = []
    for _ in range(4):
        press(panel, "mode", 0.2)
        seen.append(mode_now(db).mode)
    assert seen == ["lunch", "break", "night", "day"]
    assert mode_now(db).reason.startswith("temporary override by panel")
    press(panel, "mode", 3.4)  # held: back to the timetable, and the release does not step again
    assert mode_now(db).reason == "schedule"
    log = modes.log(panel.admin, 10)
    assert [(e.mode, e.by) for e in reversed(log)] == [("lunch", "panel"), ("break", "panel"), ("night", "panel"),
                                                       ("day", "panel"), ("day", "panel")]
    assert "schedule" in log[0].reason


def test_leds_are_sent_when_they_change_and_all_again_after_a_hello(panel: FrontPanel) -> None:
    sent: list[dict[str, str]] = panel.sent  # type: ignore[attr-defined]
    panel.round()
    assert sent[-1]["day"] == "on" and sent[-1]["status"] == "blink"  # starting
    panel.ready = True
    press(panel, "mode", 0.2)
    panel.round()
    assert sent[-1] == {"status": "on", "day": "off", "lunch": "on"}
    panel.round()
    assert len(sent) == 2  # nothing changed, nothing sent
    panel.from_host({"type": "devices_down", "devices": ["fxo1"]})
    panel.round()
    assert sent[-1] == {"status": "blink-fast"}
    panel.from_host({"type": "hello", "pid": 1, "agents": 1, "ports": []})
    panel.round()
    assert len(sent[-1]) == len(BOARD.leds)


def test_a_short_press_of_reset_does_nothing_and_a_long_one_resets(panel: FrontPanel) -> None:
    wanted: list[bool] = []

    async def reset(wipe: bool) -> None:
        wanted.append(wipe)

    async def presses() -> None:
        panel.factory_reset = reset
        press(panel, "reset", 0.3)
        press(panel, "reset", 9.6)
        panel.from_host({"type": "panel_button", "button": "reset", "function": "reset", "held_seconds": 4.0,
                         "released": False})
        assert panel.facts().reset_held == 4.0
        press(panel, "reset", 12.0)
        press(panel, "reset", 21.0)
        await asyncio.sleep(0)

    asyncio.run(presses())
    assert wanted == [False, True]
    assert panel.reset_held is None


class Pairer:
    """The line gateway's side of `dect_pair`: records each window asked for, or refuses."""

    def __init__(self, refusal: str = "") -> None:
        self.asked: list[tuple[int, str]] = []
        self.refusal = refusal

    async def __call__(self, seconds: int, extension: str) -> str:
        self.asked.append((seconds, extension))
        return self.refusal


def _pairing_panel(tmp_path: Path, board_file: str, pairer: Pairer) -> FrontPanel:
    db = open_store(tmp_path)
    set_day_schedule(db, "mon-sun", "00:00-24:00 day")
    sent: list[dict[str, str]] = []
    switch = SimpleNamespace(calls={}, dect_pairer=pairer, dect_window_until=0.0)
    front = FrontPanel(load_board(BOARD_DIR / board_file), Admin(db, tmp_path, PANEL), switch,  # type: ignore[arg-type]
                       lambda leds: sent.append(leds) or True, lambda: [], selftest_result=tmp_path / "none.json")
    front.ready = True
    return front


def test_holding_the_pairing_key_3_s_opens_the_window_and_its_led_blinks_while_open(tmp_path: Path) -> None:
    pairer = Pairer()
    panel = _pairing_panel(tmp_path, "sim.toml", pairer)

    async def holds() -> None:
        press(panel, "dect_pair", 2.0)  # a bump or a short hold: nothing
        await asyncio.sleep(0)
        assert pairer.asked == []
        for tick in (1.0, 2.0, 3.0):
            panel.from_host({"type": "panel_button", "button": "pair", "function": "dect_pair",
                             "held_seconds": tick, "released": False})
        await asyncio.sleep(0)
        assert pairer.asked == [(DEFAULT_WINDOW_SECONDS, "")], "opened at 3 s, before the key is let go"
        panel.from_host({"type": "panel_button", "button": "pair", "function": "dect_pair",
                         "held_seconds": 3.5, "released": True})
        await asyncio.sleep(0)

    asyncio.run(holds())
    assert pairer.asked == [(DEFAULT_WINDOW_SECONDS, "")], "one hold, one window"
    states = led_states(panel.board.leds, panel.facts())
    assert states["pair"] == "blink" and states["status"] == "on"
    latest = audit_log(panel.admin.db)[0]
    assert (latest.action, latest.who) == ("dect.pair", "panel")
    closes = panel.switch.dect_window_until
    panel.clock = lambda: closes + 0.1
    assert led_states(panel.board.leds, panel.facts())["pair"] == "off"


def test_a_board_without_a_pairing_key_pairs_when_reset_is_let_go_early(tmp_path: Path) -> None:
    pairer = Pairer()
    panel = _pairing_panel(tmp_path, "pi4-hat.toml", pairer)
    assert not any(b.function == "dect_pair" for b in panel.board.buttons)
    resets: list[bool] = []

    async def reset(wipe: bool) -> None:
        resets.append(wipe)

    async def holds() -> None:
        panel.factory_reset = reset
        press(panel, "reset", 1.5)  # too short for anything
        await asyncio.sleep(0)
        assert pairer.asked == []
        press(panel, "reset", 4.0)
        await asyncio.sleep(0)
        assert pairer.asked == [(DEFAULT_WINDOW_SECONDS, "")] and resets == []
        # The status LED blinks instead: the board has no pairing LED.
        assert led_states(panel.board.leds, panel.facts())["status"] == "blink"
        press(panel, "reset", 11.0)  # still the factory reset, and no second window
        await asyncio.sleep(0)

    asyncio.run(holds())
    assert resets == [False] and len(pairer.asked) == 1


def test_a_window_the_gateway_refuses_leaves_the_led_dark(tmp_path: Path) -> None:
    pairer = Pairer(refusal="the line gateway is not running")
    panel = _pairing_panel(tmp_path, "sim.toml", pairer)

    async def hold() -> None:
        press(panel, "dect_pair", 3.0)
        await asyncio.sleep(0)

    asyncio.run(hold())
    assert pairer.asked == [(DEFAULT_WINDOW_SECONDS, "")]
    assert led_states(panel.board.leds, panel.facts())["pair"] == "off"
    assert "dect.pair" not in [e.action for e in audit_log(panel.admin.db)]
