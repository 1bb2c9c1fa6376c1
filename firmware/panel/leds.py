"""What each front-panel LED shows, as a pure function of what the PBX is doing.

The brain computes this every round and sends the LEDs that changed to the line host, which
plays them (hal.gpio.led.PATTERNS). Functions are the board's (docs/boards.md, "[panel]").
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hal.board.specs import MODE_LEDS, LedSpec

# One mode LED: a pattern per mode, told apart at a glance.
MODE_PATTERNS = {"day": "on", "lunch": "blink", "break": "flash-2", "night": "flash-1", "holiday": "flash-3"}
STATUS_PATTERNS = {"starting": "blink", "ok": "on", "fault": "blink-fast"}
LINE_PATTERNS = {"idle": "off", "ringing": "blink", "in_use": "on"}
# The reset button: released after RESET_SECONDS a factory reset, after WIPE_SECONDS one that
# deletes recordings and voicemail too.
RESET_SECONDS = 10.0
WIPE_SECONDS = 20.0


@dataclass(frozen=True)
class PanelFacts:
    mode: str  # the operating mode now
    status: str  # starting, ok or fault
    lines: Mapping[str, str] = field(default_factory=dict)  # exchange line -> idle, ringing, in_use
    message_waiting: bool = False  # unheard voicemail in the operator's mailbox
    reset_held: float | None = None  # seconds the reset button has been held, None when it is not
    pairing: bool = False  # the DECT subscription window is open


def led_states(leds: Sequence[LedSpec], facts: PanelFacts) -> dict[str, str]:
    """LED name -> "off", "on" or a pattern name. An open DECT pairing window blinks the
    board's dect_pair LED, or without one the status LED (when all is well: a fault shows)."""
    shown = {led.name: _shown(led, facts) for led in leds}
    if facts.pairing and facts.status == "ok" and not any(led.function == "dect_pair" for led in leds):
        shown.update({led.name: "blink" for led in leds if led.function == "status"})
    if facts.reset_held is not None:
        shown.update(countdown(leds, facts.reset_held))
    return shown


def _shown(led: LedSpec, facts: PanelFacts) -> str:
    function = led.function
    if function == "power":
        return "on"
    if function == "status":
        return STATUS_PATTERNS[facts.status]
    if function == "mode":
        return MODE_PATTERNS.get(facts.mode, "off")
    if function in MODE_LEDS:
        if facts.mode == "holiday":
            return "blink" if function == "mode_night" else "off"
        return "on" if function == f"mode_{facts.mode}" else "off"
    if function == "line":
        return LINE_PATTERNS[facts.lines.get(led.line or "", "idle")]
    if function == "message":
        return "on" if facts.message_waiting else "off"
    if function == "dect_pair":
        return "blink" if facts.pairing else "off"
    raise ValueError(f"LED {led.name}: function {function!r} is not known")


def countdown(leds: Sequence[LedSpec], held: float) -> dict[str, str]:
    """While the reset button is held every LED but power counts: they light one by one over
    RESET_SECONDS, then blink (let go now: factory reset), from WIPE_SECONDS blink fast (let go:
    recordings and voicemail too)."""
    counting = [led for led in leds if led.function != "power"]
    if held >= WIPE_SECONDS:
        return {led.name: "blink-fast" for led in counting}
    if held >= RESET_SECONDS:
        return {led.name: "blink" for led in counting}
    lit = round(len(counting) * held / RESET_SECONDS)
    return {led.name: "on" if index < lit else "off" for index, led in enumerate(counting)}
