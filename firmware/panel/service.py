"""The front panel in the brain: buttons from the line host act, LED states go back to it.

The line host owns the pins (firmware/gateway/panel.py); the brain owns what they mean. A
round computes every LED from what the PBX does (firmware/panel/leds.py) and sends the LEDs
that changed; it runs every second (a mode switched from the command line or a voicemail left
show within one) and at once when a call changes or a button acts. The host's hello makes the
next round send every LED again (a restarted host starts dark).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from firmware.admin import modes
from firmware.admin.context import Actor, Admin
from firmware.appliance.selftest import RESULT_PATH, load_result
from firmware.apps.voicemail.store import counts
from firmware.brain.call_commands import pair_dect
from firmware.brain.calls import CallState
from firmware.brain.control import CallCommandRefused, PairDect
from firmware.brain.switch import Switch
from firmware.dect.pairing import DEFAULT_WINDOW_SECONDS
from firmware.gateway.brain_link import PanelReport
from firmware.modes.state import mode_now
from firmware.panel.keys import HOLD_SECONDS, PAIR_SECONDS, next_mode
from firmware.panel.leds import RESET_SECONDS, WIPE_SECONDS, PanelFacts, led_states
from firmware.store.settings import get_setting
from hal.board.model import Board

log = logging.getLogger("minipbx.panel")

# Who made a change from the panel, in the mode log and the audit log.
PANEL = Actor("panel", "front panel")
ROUND_SECONDS = 1.0
# The data partition counts as nearly full above this share used.
DISK_FULL_SHARE = 0.90
_RINGING = (CallState.ROUTING, CallState.RINGING)


class FrontPanel:
    def __init__(self, board: Board, admin: Admin, switch: Switch, send: Callable[[dict[str, str]], bool],
                 faults: Callable[[], list[str]],
                 factory_reset: Callable[[bool], Coroutine[Any, Any, object]] | None = None,
                 selftest_result: Path = RESULT_PATH) -> None:
        self.board = board
        self.admin = admin
        self.switch = switch
        self.send = send
        self.faults = faults  # what the brain itself finds wrong: the edge, call workers
        self.factory_reset = factory_reset
        self.selftest_result = selftest_result
        self.ready = False  # the PBX has finished starting
        self.devices_down: list[str] = []
        self.reset_held: float | None = None
        self._mode_key_acted = False
        self._pair_key_acted = False
        self.clock: Callable[[], float] = time.monotonic
        self._shown: dict[str, str] = {}
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()

    # ---- from the line host ------------------------------------------------------------------
    def from_host(self, message: PanelReport) -> None:
        if message["type"] == "hello":
            self._shown = {}  # a (re)started host shows nothing of ours yet
        elif message["type"] == "devices_down":
            self.devices_down = list(message["devices"])
        elif message["type"] == "panel_button":
            self.button(message["function"], message["held_seconds"], message["released"])
        self.wake()

    def button(self, function: str, held: float, released: bool) -> None:
        try:
            if function == "mode":
                self._mode_key(held, released)
            elif function == "reset":
                self._reset_button(held, released)
            elif function == "dect_pair":
                self._pair_key(held, released)
        except Exception:
            log.exception("panel button %s failed", function)

    def _mode_key(self, held: float, released: bool) -> None:
        if held >= HOLD_SECONDS and not self._mode_key_acted:
            # Held: back to the timetable at once (not at release), so the LEDs confirm it.
            state = modes.back_to_timetable(self.admin)
            log.info("mode key held: back to the timetable, %s (%s)", state.mode, state.reason)
            self._mode_key_acted = True
        elif released and not self._mode_key_acted:
            mode = next_mode(mode_now(self.admin.db).mode)
            state = modes.override(self.admin, modes.ModeChange(mode=mode, kind="temporary"))
            log.info("mode key: %s (%s)", state.mode, state.reason)
        if released:
            self._mode_key_acted = False

    def _reset_button(self, held: float, released: bool) -> None:
        if not released:
            self.reset_held = held
            return
        self.reset_held = None
        if PAIR_SECONDS <= held < RESET_SECONDS and self._reset_pairs():
            log.info("reset button let go after %.1f s: DECT pairing (a factory reset needs %.0f s)",
                     held, RESET_SECONDS)
            self._open_pairing()
            return
        if held < RESET_SECONDS:
            log.info("reset button let go after %.1f s: nothing done (a factory reset needs %.0f s)",
                     held, RESET_SECONDS)
            return
        wipe = held >= WIPE_SECONDS
        log.warning("reset button held %.1f s: factory reset%s", held, " with recordings and voicemail" if wipe else "")
        if self.factory_reset is not None:
            task = asyncio.get_running_loop().create_task(self.factory_reset(wipe))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _pair_key(self, held: float, released: bool) -> None:
        if held >= PAIR_SECONDS and not self._pair_key_acted:
            # At 3 s, not at release: the blinking LED tells the installer it may let go.
            self._pair_key_acted = True
            self._open_pairing()
        if released:
            self._pair_key_acted = False

    def _reset_pairs(self) -> bool:
        """A board with a DECT module and no pairing key pairs with a short hold of reset."""
        return self.board.dect is not None and not any(b.function == "dect_pair" for b in self.board.buttons)

    def _open_pairing(self) -> None:
        task = asyncio.get_running_loop().create_task(self._pair())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _pair(self) -> None:
        """The same command `minipbx dect pair` sends to the brain, the next free extension."""
        try:
            await pair_dect(self.switch, PairDect(seconds=str(DEFAULT_WINDOW_SECONDS), extension="", by=PANEL.who))
        except CallCommandRefused as exc:
            log.warning("front panel: the DECT pairing window did not open: %s", exc)
            return
        self.admin.audit("dect.pair", seconds=DEFAULT_WINDOW_SECONDS, extension="next free")
        self.wake()

    # ---- the LEDs ----------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def facts(self) -> PanelFacts:
        db = self.admin.db
        operator = str(get_setting(db, "operator_extension"))
        return PanelFacts(mode=mode_now(db).mode, status=self.status(), lines=self.lines(),
                          message_waiting=bool(operator) and counts(db, operator)[0] > 0,
                          reset_held=self.reset_held, pairing=self.clock() < self.switch.dect_window_until)

    def problems(self) -> list[str]:
        """Why the status LED blinks fast (empty: it does not)."""
        found = list(self.faults()) + [f"{device} down" for device in self.devices_down]
        usage = shutil.disk_usage(self.admin.data_dir)
        if usage.used > DISK_FULL_SHARE * usage.total:
            found.append(f"data partition {usage.used / usage.total:.0%} full")
        result = load_result(self.selftest_result)
        if result is not None and result.led_pattern == "blink-fast":
            found.append(f"self-test {result.summary()}")
        return found

    def status(self) -> str:
        if self.problems():
            return "fault"
        return "ok" if self.ready else "starting"

    def lines(self) -> dict[str, str]:
        lines = {line.name: "idle" for line in self.board.fxo}
        for call in self.switch.calls.values():
            if call.trunk in lines and call.state is not CallState.ENDED:
                ringing = call.inbound and call.state in _RINGING and lines[call.trunk] != "in_use"
                lines[call.trunk] = "ringing" if ringing else "in_use"
        return lines

    def round(self) -> None:
        states = led_states(self.board.leds, self.facts())
        changed = {name: shown for name, shown in states.items() if self._shown.get(name) != shown}
        if changed and self.send(changed):
            self._shown.update(changed)

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            self._wake.clear()
            try:
                self.round()
            except Exception:
                log.exception("front panel round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), ROUND_SECONDS)
