"""The brain's front panel with a real store: the mode key's presses and hold, the LEDs sent."""
from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from firmware.admin import modes
from firmware.admin.context import Admin
from firmware.modes.state import mode_now, set_day_schedule
from firmware.panel.service import PANEL, FrontPanel
from firmware.store.database import open_store
from hal.board import load_board

BOARD = load_board(Path(__file__).resolve().parents[2] / "boards" / "sim.toml")


@pytest.fixture
def panel(tmp_path: Path) -> FrontPanel:
    db = open_store(tmp_path)
    set_day_schedule(db, "mon-sun", "00:00-24:00 day")
    sent: list[dict[str, str]] = []
    calls: dict[str, Any] = {}
    front = FrontPanel(BOARD, Admin(db, tmp_path, PANEL), SimpleNamespace(calls=calls),  # type: ignore[arg-type]
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
