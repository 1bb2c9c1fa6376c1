"""What each front-panel LED shows for what the PBX does (pure: the board's LEDs and the facts)."""
from __future__ import annotations

from pathlib import Path

import pytest

from firmware.panel.leds import PanelFacts, countdown, led_states
from hal.board import load_board
from hal.board.specs import LedSpec

BOARDS = Path(__file__).resolve().parents[2] / "boards"
SIM = load_board(BOARDS / "sim.toml").leds  # one LED per mode
PI = load_board(BOARDS / "pi4-hat.toml").leds  # one mode LED


def facts(**changes: object) -> PanelFacts:
    base: dict[str, object] = {"mode": "day", "status": "ok", "lines": {"fxo1": "idle"}, "message_waiting": False}
    return PanelFacts(**{**base, **changes})  # type: ignore[arg-type]


def test_a_quiet_day_on_the_simulated_board() -> None:
    assert led_states(SIM, facts()) == {"power": "on", "status": "on", "day": "on", "lunch": "off", "break": "off",
                                        "night": "off", "line1": "off", "message": "off", "pair": "off"}


@pytest.mark.parametrize(("mode", "lit"), [("day", "day"), ("lunch", "lunch"), ("break", "break"),
                                           ("night", "night")])
def test_one_led_per_mode_lights_the_mode_now(mode: str, lit: str) -> None:
    shown = led_states(SIM, facts(mode=mode))
    assert [name for name in ("day", "lunch", "break", "night") if shown[name] == "on"] == [lit]


def test_a_holiday_blinks_the_night_led() -> None:
    shown = led_states(SIM, facts(mode="holiday"))
    assert (shown["night"], shown["day"]) == ("blink", "off")


def test_one_mode_led_has_a_pattern_per_mode() -> None:
    patterns = {mode: led_states(PI, facts(mode=mode))["mode"] for mode in ("day", "lunch", "break", "night",
                                                                             "holiday")}
    assert patterns == {"day": "on", "lunch": "blink", "break": "flash-2", "night": "flash-1", "holiday": "flash-3"}
    assert len(set(patterns.values())) == 5


@pytest.mark.parametrize(("status", "shown"), [("starting", "blink"), ("ok", "on"), ("fault", "blink-fast")])
def test_the_status_led(status: str, shown: str) -> None:
    assert led_states(SIM, facts(status=status))["status"] == shown


@pytest.mark.parametrize(("line", "shown"), [("idle", "off"), ("ringing", "blink"), ("in_use", "on")])
def test_a_line_led_shows_its_line(line: str, shown: str) -> None:
    two = (*SIM, LedSpec("line2", 3, True, "line", "fxo2"))
    states = led_states(two, facts(lines={"fxo1": line, "fxo2": "idle"}))
    assert (states["line1"], states["line2"]) == (shown, "off")


def test_the_message_led_shows_unheard_voicemail() -> None:
    assert led_states(SIM, facts(message_waiting=True))["message"] == "on"


def test_the_reset_countdown_lights_the_leds_one_by_one_then_blinks() -> None:
    counting = [led.name for led in SIM if led.function != "power"]
    assert len(counting) == 8
    assert countdown(SIM, 0) == dict.fromkeys(counting, "off")
    half = countdown(SIM, 5)
    assert [half[name] for name in counting] == ["on"] * 4 + ["off"] * 4
    assert countdown(SIM, 10) == dict.fromkeys(counting, "blink")
    assert countdown(SIM, 20) == dict.fromkeys(counting, "blink-fast")
    held = led_states(SIM, facts(reset_held=12.0))
    assert held["power"] == "on" and {held[name] for name in counting} == {"blink"}


def test_an_open_pairing_window_blinks_the_pairing_led_or_else_the_status_led() -> None:
    assert led_states(SIM, facts(pairing=True))["pair"] == "blink"
    assert led_states(SIM, facts(pairing=True))["status"] == "on"
    assert led_states(PI, facts(pairing=True))["status"] == "blink"
    assert led_states(PI, facts(pairing=False))["status"] == "on"
    # A fault still shows: it matters more than the window.
    assert led_states(PI, facts(pairing=True, status="fault"))["status"] == "blink-fast"
