"""Door stations at run time: a visitor's ring routed by mode, and the lock opened by whoever
talks to the visitor, by code from an idle phone, or from the command line and the API.

    the visitor presses the button: the gateway's door line calls `door` (DOOR_RING)
      -> the door's destination in the mode now (an extension, a group, a menu, voicemail,
         an outside number), else the operator extension; nobody set: the visitor hears a tone
      -> not answered within ring_seconds: the call ends, the visitor hears a tone
    in a call with the door (either way round), the other party presses the open code (*5):
      the lock relay pulses open_seconds, the presser hears the confirmation tone
    *55 + door (its number N of doorN, or its extension) from an idle phone: the same, for
      extensions whose class of service has the `door` right (or the admin role)

The lock itself belongs to the line gateway (firmware/gateway/host.py); `opener` asks it
(set by the supervisor; None when the board has no line gateway). Every opening, and every
refusal, is in `door_log`.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from firmware.apps.session import Next
from firmware.brain.calls import Call, CallState
from firmware.dialplan.cos import has_right
from firmware.dialplan.feature_codes import Argument, FeatureCode
from firmware.door.config import DOOR_RING, Door, destination, door_of_extension, find_door, get_door, log_opening
from firmware.media.tones import tone
from firmware.modes.state import mode_now
from firmware.store.settings import get_setting

if TYPE_CHECKING:
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.door")

DOOR_RIGHT = "door"  # the class-of-service right *55 needs
OPEN_FROM_PHONE = "*55"
FEATURE_CODES = (
    FeatureCode(OPEN_FROM_PHONE, Argument.NUMBER, "door",
                "open a door: *55 and the door's number (1 for door1) or its extension"),
)
Opener = Callable[[str, int], Awaitable[str]]  # (door, seconds) -> '' when opened, else why not


class DoorDesk:
    def __init__(self, switch: Switch) -> None:
        self.switch = switch
        self.db = switch.db
        self.opener: Opener | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Visitors' calls still ringing -> the end of their ring time. Not in call.timers: those
        # belong to each ring plan and are cancelled with it.
        self._ringing: dict[str, asyncio.TimerHandle] = {}
        switch.on_call_ended.append(lambda call, record: self._stop_timer(call.id))

    # ---- a visitor rings ----------------------------------------------------------------
    def is_ring(self, caller: str, dialled: str) -> Door | None:
        """The door whose station `caller` is, when it dials DOOR_RING (its button was pressed)."""
        return door_of_extension(self.db, caller) if dialled == DOOR_RING else None

    def ring(self, call: Call, door: Door) -> None:
        mode = call.mode or mode_now(self.db).mode
        target = destination(door, mode)
        operator = str(get_setting(self.db, "operator_extension") or "")
        where = target or (f"ext:{operator}" if operator else "")
        call.route = f"door {door.name} ({mode} mode)"
        if not where:
            log.warning("call %s: a visitor rang at %s, but it has no destination and no operator_extension is "
                        "set", call.id, door.name)
            self.switch.refuse(call, 480, "Temporarily Unavailable", f"door {door.name}: nobody to ring")
            return
        log.info("call %s: a visitor rang at %s; %s mode: %s", call.id, door.name, mode, where)
        self._ringing[call.id] = asyncio.get_running_loop().call_later(door.ring_seconds, self._unanswered, call,
                                                                         door)
        self.switch.go(call, Next(where))

    def _stop_timer(self, call_id: str) -> None:
        handle = self._ringing.pop(call_id, None)
        if handle is not None:
            handle.cancel()

    def _unanswered(self, call: Call, door: Door) -> None:
        self._ringing.pop(call.id, None)
        # Answered by a person, or by an app (voicemail, a menu): the visitor is being served.
        if call.answered_at is not None or call.a_answered or not call.a_alive or call.id not in self.switch.calls:
            return
        log.info("call %s: nobody answered %s in %d s", call.id, door.name, door.ring_seconds)
        self.switch.refuse(call, 480, "Temporarily Unavailable", f"door {door.name} not answered in "
                            f"{door.ring_seconds} s", "no_answer")

    # ---- opening in a call --------------------------------------------------------------
    def code_for(self, call: Call, leg: str) -> str:
        """The open code `leg` may press in this call: its door's, when the other party is a door
        station ('' otherwise). The door station's own keys never open it."""
        peer = call.other(leg)
        station = call.extensions.get(peer) if peer is not None else None
        door = door_of_extension(self.db, station) if station else None
        if door is None or call.extensions.get(leg) == door.extension:
            return ""
        return door.open_code

    def open_in_call(self, call: Call, leg: str) -> None:
        peer = call.other(leg)
        door = door_of_extension(self.db, call.extensions.get(peer, "")) if peer is not None else None
        if door is None:
            return
        by = call.extensions.get(leg) or call.dial_target or call.caller
        self._spawn(self._open_and_tell(call, leg, door, by, "call"))

    # ---- opening from an idle phone: *55 + door ------------------------------------------
    def open_by_code(self, call: Call, code: str) -> None:
        keyed = code[len(OPEN_FROM_PHONE):]
        door = find_door(self.db, keyed) if keyed else None
        if door is None:
            self.switch.refuse(call, 404, "Not Found", f"*55{keyed}: no such door", "unavailable")
            return
        if not self._may_open(call.caller):
            log_opening(self.db, door.name, call.caller, "code", 0, "refused: no door right")
            self.switch.refuse(call, 403, "Forbidden", f"{call.caller} may not open {door.name} (no door right "
                                "in its class of service now)", "barred")
            return
        call.decide("feature", f"opens {door.name}", "system")
        call.state = CallState.REFUSING
        self.switch.send(call, call.a_leg, "answer", code=200)
        self._spawn(self._open_and_tell(call, call.a_leg, door, call.caller, "code", hang_up=True))

    def _may_open(self, number: str) -> bool:
        return has_right(self.db, number, DOOR_RIGHT, mode_now(self.db).mode)

    # ---- opening from outside a call (the command line, the API) ------------------------
    async def open(self, name: str, by: str, how: str) -> str:
        """Open door `name` for its open time; '' when it opened, else why not (also logged)."""
        door = get_door(self.db, name)
        if door is None:
            return f"door {name} does not exist"
        return await self._open(door, by, how)

    async def _open(self, door: Door, by: str, how: str) -> str:
        if self.opener is None:
            why = "this board has no line gateway to open doors with"
        else:
            why = await self.opener(door.name, door.open_seconds)
        log_opening(self.db, door.name, by, how, door.open_seconds if not why else 0, why)
        if why:
            log.warning("%s could not be opened (by %s, %s): %s", door.name, by, how, why)
        else:
            log.info("%s opened for %d s by %s (%s)", door.name, door.open_seconds, by, how)
        return why

    async def _open_and_tell(self, call: Call, leg: str, door: Door, by: str, how: str,
                             hang_up: bool = False) -> None:
        why = await self._open(door, by, how)
        country = str(get_setting(self.db, "country"))
        self.switch.send(call, leg, "tone", segments=tone(country, "unavailable" if why else "confirm"), loop=False)
        if hang_up:
            call.timers.append(asyncio.get_running_loop().call_later(
                2.0, lambda: self.switch.send(call, leg, "hangup")))

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
