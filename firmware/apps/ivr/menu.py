"""A voice menu (auto attendant, DISA) as the caller experiences it.

    greeting --key--> option destination (extension, group, sub-menu, voicemail, number, hangup)
       |  \\--digits--> an extension number (direct dialling), or with the menu's
       |               outside rights: outside-line code + number (after the PIN, if set)
       |--no key within `timeout` s--> default destination
       \\--unknown key--> "invalid", greeting again; after `max_invalid` tries -> default

A key that is a menu option and also starts an extension number waits a moment
for a second digit, so both work.
"""
from __future__ import annotations

import logging
from pathlib import Path

from firmware.apps.context import AppContext
from firmware.apps.destinations import DestinationKind, Target
from firmware.apps.ivr.config import Menu, get_menu
from firmware.apps.ringgroups.config import ring_group_by_number
from firmware.apps.session import INTER_DIGIT_SECONDS, Next, Session
from firmware.dialplan.numbering import Kind, NumberingPlan
from firmware.dialplan.plan import load_plan
from firmware.pins.guard import locked_for, try_pin_off_loop
from firmware.prompts.library import PromptError
from firmware.store.extensions import get_extension

log = logging.getLogger("minipbx.ivr")

# After a key that may start a number: how long to wait for the next one.
NEXT_DIGIT_SECONDS = 2.0
MAX_NUMBER_DIGITS = 20
PIN_TRIES = 3


def greeting_files(ctx: AppContext, menu: Menu, language: str) -> list[Path]:
    if menu.greeting:
        custom = ctx.prompts.custom(menu.greeting)
        if custom is not None:
            return [custom]
        try:
            return [ctx.prompts.system(menu.greeting, language)]
        except PromptError:
            log.error("menu %s: greeting %s is neither an uploaded nor a system prompt", menu.name, menu.greeting)
    return [ctx.prompts.system("welcome", language)]


async def run_menu(ctx: AppContext, session: Session, name: str) -> Next | None:
    menu = get_menu(ctx.db, name)
    if menu is None:
        log.error("voice menu %s does not exist", name)
        return Next("hangup", route=f"ivr {name}: missing")
    language = menu.language or session.info.language
    greeting = greeting_files(ctx, menu, language)
    plan = load_plan(ctx.db)
    invalid = ctx.prompts.system("invalid", language)
    tries = 0
    while True:
        await session.play(greeting)
        # A key that stopped the greeting (or was typed ahead) is still queued: this takes it.
        key = await session.key(menu.timeout)
        if not key:
            return Next(menu.default_dest, route=f"ivr {name}: no key")
        number = key
        if key.isdigit() and _may_start_number(ctx, plan, key, menu):
            number = await _more_digits(session, ctx, key)
        if len(number) == 1 and number in menu.options:
            # An outside number on a key goes out within the menu's class of service, if it has one
            # (else the installer's: they chose the number).
            return Next(menu.options[number], profile=menu.outside_cos, route=f"ivr {name}: key {number}")
        if len(number) > 1:
            nxt = _direct(ctx, menu, plan, number)
            if nxt is not None and nxt.destination.startswith("number:") and menu.pin_hash:
                refused = await _pin_refused(ctx, session, menu, language)
                if refused:
                    # Released with the reason on record: PIN guessing shows up as barred calls.
                    session.note("barred", f"ivr {name}: outside call to {number} refused ({refused})")
                    return None
            if nxt is not None:
                return nxt
        tries += 1
        log.info("ivr %s: invalid choice %r (%d of %d)", name, number, tries, menu.max_invalid)
        if tries >= menu.max_invalid:
            return Next(menu.default_dest, route=f"ivr {name}: {tries} invalid choices")
        session.clear_keys()
        await session.play([invalid], interruptible=False)


def _internal_numbers(ctx: AppContext) -> set[str]:
    rows = ctx.db.execute("SELECT number FROM extensions UNION SELECT number FROM ring_groups WHERE number != ''")
    return {str(r[0]) for r in rows.fetchall()}


def _may_start_number(ctx: AppContext, plan: NumberingPlan, key: str, menu: Menu) -> bool:
    """Could `key` begin an extension or group number (with direct dialling) or, with outside
    rights, an outside number?"""
    if menu.outside_cos and plan.outside_prefix.startswith(key):
        return True
    return menu.direct_dial and any(n.startswith(key) for n in _internal_numbers(ctx))


async def _more_digits(session: Session, ctx: AppContext, first_key: str) -> str:
    """The rest of a number: ends with #, a pause, or as soon as it is a whole internal number
    that no longer number begins with."""
    numbers = _internal_numbers(ctx)
    collected = first_key
    timeout = NEXT_DIGIT_SECONDS
    while len(collected) < MAX_NUMBER_DIGITS:
        if collected in numbers and not any(n != collected and n.startswith(collected) for n in numbers):
            break
        key = await session.key(timeout)
        if not key or key == "#":
            break
        collected += key
        timeout = INTER_DIGIT_SECONDS
    return collected


def _direct(ctx: AppContext, menu: Menu, plan: NumberingPlan, number: str) -> Next | None:
    """Where a number keyed in the menu leads (None: nowhere this menu allows). An outside
    number comes with the menu's class of service; its PIN is asked for afterwards."""
    dialled = plan.classify(number)
    if dialled.kind is Kind.EXTENSION and menu.direct_dial:
        if get_extension(ctx.db, number) is not None:
            return Next(f"ext:{number}", route=f"ivr {menu.name}: dialled {number}")
        group = ring_group_by_number(ctx.db, number)
        if group is not None:
            return Next(f"group:{group.name}", route=f"ivr {menu.name}: dialled {number}")
        return None
    if dialled.kind in (Kind.OUTSIDE, Kind.EMERGENCY) and menu.outside_cos:
        return Next(f"number:{number}", profile=menu.outside_cos, route=f"ivr {menu.name}: outside {number}")
    return None


async def _pin_refused(ctx: AppContext, session: Session, menu: Menu, language: str) -> str:
    """Ask for the menu's PIN: '' when the caller keyed it, else why not (for the call record).

    Failures count per caller number, per trunk or device and per menu in the database
    (firmware/pins/guard.py), across calls, so hanging up and calling again (with another
    number) does not reset them. The PIN is compared off the event loop."""
    scope = f"disa:{menu.name}"
    guesser = session.info.guesser()
    for attempt in range(PIN_TRIES):
        if locked_for(ctx.db, scope, guesser) > 0:
            await session.play([ctx.prompts.system("locked-out", language)], interruptible=False)
            return "locked out after wrong PINs"
        if attempt:
            # Keys pressed during "that PIN is not correct" are not the next try. On the first
            # try they are: a caller may type the PIN right after the number and its #.
            session.clear_keys()
        await session.play([ctx.prompts.system("enter-pin", language)])
        pin = await session.digits(max_digits=10, first_timeout=8.0)
        if await try_pin_off_loop(ctx.db, scope, guesser, menu.pin_hash, pin):
            return ""
        log.warning("ivr %s: wrong PIN from %s (%s)", menu.name, guesser.number or "withheld", guesser.source)
        await session.play([ctx.prompts.system("wrong-pin", language)], interruptible=False)
    return f"wrong PIN {PIN_TRIES} times"


async def _menu(ctx: AppContext, session: Session, name: str, reason: str) -> Next | None:
    return await run_menu(ctx, session, name)


DESTINATION_KINDS = (
    DestinationKind("ivr", Target.NAME, "ivr:NAME", exists="SELECT 1 FROM ivr_menus WHERE name = ?",
                    choices="SELECT name, name FROM ivr_menus ORDER BY name",
                    missing="voice menu {} does not exist; see `ivr list`", app=_menu),
)
