"""A caller's way into a conference room and their keys while in it.

    dialled 800 / conf:800 --PIN (room or moderator), if the room has one--> checks: locked?
        full? --> "you are the only participant" if nobody is there --> in the room
    in the room: *6 mute / unmute yourself; a moderator: *7 lock / unlock, *9 drop the last joiner
    hang-up (or dropped) --> out of the room

PINs are checked off the event loop and counted per caller number, per trunk or device and
per room with the same lockout as every other PIN (firmware/pins/guard.py), so ringing
again, with another number or not, does not reset the count. A PIN keyed counts once even
when the room has both a member and a moderator PIN.
"""
from __future__ import annotations

import logging
from typing import Any

from firmware.apps.context import AppContext
from firmware.apps.destinations import DestinationKind, Target
from firmware.apps.session import Next, Session
from firmware.conference.rooms import Room, get_room
from firmware.conference.service import Rooms
from firmware.pins.guard import locked_for, which_pin_off_loop

log = logging.getLogger("minipbx.conference")

PIN_TRIES = 3
# A member's key after '*' must come within this long to count as a room code.
CODE_SECONDS = 2.0
# How long a member may sit without pressing anything: a whole working day.
IDLE_KEY_SECONDS = 12 * 3600.0
MUTE, LOCK, DROP_LAST = "6", "7", "9"


async def _pin(ctx: AppContext, session: Session, room: Room, language: str) -> str | None:
    """'member' or 'moderator' for a right PIN; None when the caller did not get in."""
    scope = f"conf:{room.number}"
    guesser = session.info.guesser()
    for attempt in range(PIN_TRIES):
        if locked_for(ctx.db, scope, guesser) > 0:
            await session.play([ctx.prompts.system("locked-out", language)], interruptible=False)
            session.note("unavailable", f"conference {room.number}: locked out after wrong PINs")
            return None
        if attempt:
            session.clear_keys()
        await session.play([ctx.prompts.system("conf-enter-pin", language)])
        pin = await session.digits(max_digits=10, first_timeout=8.0)
        if not pin and not room.pin_hash:
            return "member"  # a room with only a moderator PIN: others come in with just #
        got = await which_pin_off_loop(ctx.db, scope, guesser, [room.moderator_pin_hash, room.pin_hash], pin)
        if got is not None:
            return "moderator" if got == 0 else "member"
        log.warning("conference %s: wrong PIN from %s (%s)", room.number, guesser.number or "withheld",
                    guesser.source)
        await session.play([ctx.prompts.system("wrong-pin", language)], interruptible=False)
    session.note("unavailable", f"conference {room.number}: wrong PIN {PIN_TRIES} times")
    return None


async def conference(ctx: AppContext, session: Session, number: str, rooms: Rooms[Any]) -> Next | None:
    room = get_room(ctx.db, number)
    language = session.info.language
    if room is None:
        session.note("unavailable", f"conference room {number} does not exist")
        return None
    await session.answer()
    role = "member"
    if room.pin_hash or room.moderator_pin_hash:
        got = await _pin(ctx, session, room, language)
        if got is None:
            return None
        role = got
    for refused, prompt, why in ((rooms.locked(number), "conf-locked", "locked"),
                                 (rooms.count(number) >= room.max_parties, "conf-full",
                                  f"full ({room.max_parties} parties)")):
        if refused:
            await session.play([ctx.prompts.system(prompt, language)], interruptible=False)
            session.note("unavailable", f"conference {number} {why}")
            return None
    if rooms.count(number) == 0:
        await session.play([ctx.prompts.system("conf-alone", language)])
    session.clear_keys()
    who = session.info.auth_user or session.info.caller
    member = rooms.join(number, session.leg, who, role == "moderator")
    session.note("answered", f"conference {number}")
    try:
        while True:
            key = await session.key(IDLE_KEY_SECONDS)
            if key != "*":
                continue
            code = await session.key(CODE_SECONDS)
            if code == MUTE:
                rooms.mute(member, number)
            elif code == LOCK and role == "moderator":
                rooms.toggle_lock(member, number)
            elif code == DROP_LAST and role == "moderator":
                rooms.drop_last(member, number)
    finally:
        rooms.leave(member, number)


async def _room(ctx: AppContext, session: Session, number: str, reason: str) -> Next | None:
    if ctx.rooms is None:
        raise RuntimeError("conference rooms are not running")
    return await conference(ctx, session, number, ctx.rooms)


DESTINATION_KINDS = (
    DestinationKind("conf", Target.DIGITS, "conf:NUMBER", exists="SELECT 1 FROM conference_rooms WHERE number = ?",
                    choices="SELECT number, name FROM conference_rooms ORDER BY number",
                    missing="conference room {} does not exist; see `conf list`", app=_room),
)
