"""A keypad programming call: *99, the admin PIN, then programs by number until * or hang-up.

    answer -> "enter the admin PIN" -> PIN # --wrong--> "not correct" (3 tries in a call;
       |                                 |             the guard locks the extension out after
       |                                 right         FREE_FAILURES, doubling, kept in the database)
       v                                 v
    locked out: "too many attempts"    menu: program number # -> program -> menu ...
                                         * -> "goodbye"

The PIN is this box's admin PIN (firmware/appliance/credentials.py), checked in a thread: its
scrypt is slow on purpose, and calls in progress must not wait for it.
"""
from __future__ import annotations

import logging
from functools import partial

from firmware.admin.context import Actor, Admin
from firmware.admin.errors import INPUT_ERRORS, NotFound
from firmware.appliance.credentials import CredentialError, verify_admin_pin
from firmware.apps.context import AppContext
from firmware.apps.programming.box import Box
from firmware.apps.programming.keys import Back, Keypad
from firmware.apps.programming.programs import PROGRAM_ERRORS, PROGRAMS, Programmer, Reboot
from firmware.apps.session import Next, Session
from firmware.apps.voicemail.store import MailboxError
from firmware.dialplan.feature_codes import Argument, FeatureCode
from firmware.pins.guard import Guesser, PinError, locked_for, try_check_off_loop

log = logging.getLogger("minipbx.programming")

PROGRAMMING_CODE = "*99"
FEATURE_CODES = (FeatureCode(PROGRAMMING_CODE, Argument.NONE, "programming", "keypad programming"),)
# The pin_failures scope of the admin PIN; the source is the extension keying it.
PIN_SCOPE = "admin-pin"
PIN_TRIES_PER_CALL = 3
# Menu rounds without a key before the PBX hangs up (someone left the phone off the hook).
IDLE_ROUNDS = 3
# What a refused entry raises: the admin layer's errors, and those of the checks programs call.
REFUSED: tuple[type[Exception], ...] = (*INPUT_ERRORS, NotFound, PinError, MailboxError, *PROGRAM_ERRORS)


def actor(extension: str) -> Actor:
    return Actor(f"keypad {extension}", "phone")


async def programming(ctx: AppContext, box: Box, session: Session) -> Next | None:
    """The *99 app; None releases the caller."""
    extension = session.info.auth_user
    keys = Keypad(ctx, session)
    if not extension:
        session.note("barred", "keypad programming needs an extension's phone")
        await keys.say(keys.prompt("not-allowed"))
        return None
    if not await _login(ctx, box, keys, extension):
        return None
    admin = Admin(ctx.db, ctx.data_dir, actor(extension))
    admin.audit("keypad.login")
    log.info("keypad %s: programming mode", extension)
    programmer = Programmer(ctx, box, keys, admin, extension)
    done: list[str] = []
    idle = 0
    while idle < IDLE_ROUNDS:
        try:
            number = await keys.entry("prog-menu", max_digits=2)
        except Back:
            break
        if not number:
            idle += 1
            continue
        idle = 0
        program = PROGRAMS.get(number)
        if program is None:
            await keys.say(keys.prompt("invalid"))
            continue
        try:
            await program.run(programmer)
            done.append(number)
            log.info("keypad %s: program %s (%s) done", extension, number, program.what)
        except Back:
            await keys.say(keys.prompt("prog-back"))
        except Reboot:
            session.note("feature", f"keypad programming by {extension}: reboot")
            return None
        except REFUSED as exc:
            log.info("keypad %s: program %s refused: %s", extension, number, exc)
            await keys.say(keys.prompt("prog-not-accepted"))
        session.note("feature", f"keypad programming by {extension}: programs {', '.join(done) or 'none'}")
    await keys.say(keys.prompt("goodbye"))
    return None


def _admin_pin_is(box: Box, pin: str) -> bool:
    return bool(pin) and verify_admin_pin(box.admin_pin_dir, pin)


async def _login(ctx: AppContext, box: Box, keys: Keypad, extension: str) -> bool:
    session = keys.session
    # Counted per extension and, over every extension, per box (firmware/pins/guard.py).
    guesser = Guesser.of_call(extension, extension, "")
    for _ in range(PIN_TRIES_PER_CALL):
        if locked_for(ctx.db, PIN_SCOPE, guesser) > 0:
            break
        try:
            pin = await keys.entry("prog-enter-pin", max_digits=16)
        except Back:
            return False
        try:
            ok = await try_check_off_loop(ctx.db, PIN_SCOPE, guesser, partial(_admin_pin_is, box, pin))
        except CredentialError as exc:
            log.error("keypad %s: programming refused: %s", extension, exc)
            session.note("barred", "keypad programming: this box has no admin PIN")
            await keys.say(keys.prompt("not-allowed"))
            return False
        if ok:
            return True
        log.warning("keypad %s: wrong admin PIN for programming", extension)
        session.note("barred", "keypad programming: wrong admin PIN")
        await keys.say(keys.prompt("wrong-pin"))
    if locked_for(ctx.db, PIN_SCOPE, guesser) > 0:
        log.warning("keypad %s: locked out of programming after wrong admin PINs", extension)
        session.note("barred", "keypad programming: locked out after wrong admin PINs")
        await keys.say(keys.prompt("locked-out"))
    return False
