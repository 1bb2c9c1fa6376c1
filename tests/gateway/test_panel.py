"""The front panel of the simulated board with a real PBX: the buttons pressed through the
simulator socket (as `minipbx sim press`), the LED pins read back, real phones for the calls."""
from __future__ import annotations

import time
from typing import Any

from firmware.admin.factory_reset import CREDENTIALS_FILE
from tests.apps.voicemail.test_voicemail_calls import greeting_prompts, speak_after_tone
from tests.gateway.conftest import Board, eventually
from tests.support.pbx import RunningPbx

MODE_LEDS = ("day", "lunch", "break", "night")


def cli(pbx: RunningPbx, *args: str) -> str:
    result = pbx.minipbx(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def press(board: Board, button: str, seconds: float = 0.2) -> None:
    """Press and wait until the finger is off the button again."""
    answer = board("press_button", button=button, seconds=seconds)
    time.sleep(max(0.0, answer["released_at"] - time.monotonic()))


def lit_mode(board: Board) -> list[str]:
    leds = board.state()["leds"]
    return [name for name in MODE_LEDS if leds[name] == "on"]


def test_the_front_panel_keys_and_leds(gateway_pbx: RunningPbx, board: Board) -> None:
    pbx = gateway_pbx

    def led(name: str) -> Any:
        return board.state()["leds"][name]

    eventually(lambda: led("power") == "on" and led("status") == "on", what="power on, status steady once started")

    # The mode key: each press the next mode, confirmed by its LED and logged as the panel's.
    cli(pbx, "mode", "schedule", "mon-sun", "00:00-24:00 day")
    eventually(lambda: lit_mode(board) == ["day"], what="the day LED")
    for mode in ("lunch", "break", "night"):
        press(board, "mode")
        eventually(lambda mode=mode: lit_mode(board) == [mode], what=f"the {mode} LED after a press")
    press(board, "mode", 3.5)  # held: back to the timetable
    eventually(lambda: lit_mode(board) == ["day"], what="the day LED after holding the key")
    assert "schedule" in cli(pbx, "mode")
    log = [line.split() for line in cli(pbx, "mode", "log").splitlines() if line.rstrip().endswith("panel")]
    assert [row[1] for row in log] == ["lunch", "break", "night", "day"]

    # The status LED blinks fast while a device is unplugged.
    board("unplug", device="fxo1")
    eventually(lambda: led("status") == "blinking fast", what="the status LED blinks fast")
    board("plug", device="fxo1")
    eventually(lambda: led("status") == "on", what="the status LED steady again")

    # The pairing key held 3 s: the DECT subscription window opens, its LED blinks meanwhile,
    # and a new handset can subscribe.
    assert led("pair") == "off"
    press(board, "pair", 3.3)
    eventually(lambda: led("pair") == "blinking", what="the pairing LED blinks while the window is open")
    handset = board("subscribe")["handset"]
    eventually(lambda: f"dect{handset}" in cli(pbx, "dect", "list"), what="the new handset in `dect list`")

    # The exchange line's LED: blinking while it rings, lit in the call, out after it.
    operator = pbx.phone("301")
    cli(pbx, "config", "set", "operator_extension", "301")
    assert led("line1") == "off"
    board("ring", line="fxo1", number="0401234567", name="ACME")
    operator.wait("incoming", timeout=15)
    eventually(lambda: led("line1") == "blinking", what="the line LED blinks while it rings")
    operator.answer(200)
    operator.wait("connected")
    eventually(lambda: led("line1") == "on", what="the line LED lit in the call")
    board("far_hang_up", line="fxo1")
    operator.wait("disconnected", timeout=15)
    eventually(lambda: led("line1") == "off", what="the line LED out after the call")

    # The message LED: a voicemail left for the operator.
    assert led("message") == "off"
    cli(pbx, "fwd", "set", "301", "no-answer", "voicemail:301", "--after", "5")
    caller = pbx.phone("302")
    caller.call("301")
    operator.wait("incoming")
    connected = caller.wait("connected", timeout=15)
    speak_after_tone(caller, connected, greeting_prompts("301"))
    eventually(lambda: led("message") == "on", what="the message LED after a voicemail for the operator")

    # The reset button: a short press does nothing; held, the LEDs count down and it resets.
    press(board, "reset", 0.5)
    time.sleep(1.5)
    assert cli(pbx, "config", "get", "operator_extension").strip() == "301"
    assert not (pbx.data_dir / CREDENTIALS_FILE).exists()
    host_before = pbx.status()["gateway"]["pid"]
    answer = board("press_button", button="reset", seconds=13.0)
    # The message LED (unheard voicemail) is the last to light: dark while the first already are.
    eventually(lambda: led("status") == "on" and led("message") == "off",
               what="the countdown: the first LEDs lit, the rest dark")
    counting = [name for name in board.state()["leds"] if name != "power"]
    eventually(lambda: all(led(name) == "blinking" for name in counting), timeout=12.0,
               what="every LED but power blinks once the reset is armed")
    time.sleep(max(0.0, answer["released_at"] - time.monotonic()))
    eventually(lambda: (pbx.data_dir / CREDENTIALS_FILE).exists(), what="the factory reset's credentials")
    shown = (pbx.data_dir / CREDENTIALS_FILE).read_text()
    assert "SIP user 100  password" in shown and "SIP user 101  password" in shown
    assert cli(pbx, "config", "get", "operator_extension").strip() == ""
    listed = cli(pbx, "ext", "list")
    assert "301" not in listed and "302" not in listed
    assert "factory_reset" in cli(pbx, "api", "audit")
    # Voicemail is kept by a 10 s reset (20 s deletes it).
    assert list((pbx.data_dir / "voicemail").rglob("*.wav"))
    # The line gateway comes back (a new line host, which provisions the ports at its start), the
    # board's ports registered under new numbers (after 100, 101).
    def ports_back() -> bool:
        gateway = (pbx.status(check=False) or {}).get("gateway") or {}
        return bool(gateway.get("up") and gateway.get("pid") != host_before and gateway["ports"]
                    and all(p["registered"] for p in gateway["ports"]) and "fxs1" in cli(pbx, "ext", "list"))

    eventually(ports_back, timeout=60.0, what="the line gateway's ports provisioned and registered after the reset")
