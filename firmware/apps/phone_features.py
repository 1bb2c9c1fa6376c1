"""Feature codes that talk back: forwarding, do-not-disturb, voicemail, greetings.

    *72 NUMBER  forward every call         *73  cancel it
    *90 NUMBER  forward when busy          *91  cancel it
    *92 NUMBER  forward when not answered  *93  cancel it
    *94 NUMBER  forward when not registered *95 cancel it
    *76  do not disturb on                 *77  off
    *97  my voicemail                      *98  any mailbox (number and PIN)
    *58  record a company greeting (administrators; asks for the mailbox PIN)

NUMBER is what the user would dial from the desk (an extension, or the
outside-line code and a number); left out, the phone asks for it. Each change
is confirmed in speech. Mode switching (*78N, *79N) lives in brain/features.py.
"""
from __future__ import annotations

import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from firmware.apps.context import AppContext
from firmware.apps.forwarding.config import (
    ForwardingError,
    clear_forwarding,
    parse_phone_target,
    set_dnd,
    set_forwarding,
)
from firmware.apps.session import Next, Session
from firmware.apps.voicemail.access import KEY_SECONDS, check_messages, record_reviewed
from firmware.apps.voicemail.store import check_pin, recording_path
from firmware.dialplan.feature_codes import Argument, FeatureCode
from firmware.store.extensions import get_extension
from firmware.store.settings import get_setting

log = logging.getLogger("minipbx.features")

FORWARD_CODES = {"*72": "always", "*90": "busy", "*92": "no_answer", "*94": "unregistered"}
CANCEL_CODES = {"*73": "always", "*91": "busy", "*93": "no_answer", "*95": "unregistered"}
GREETING_CODE = "*58"
FEATURE_CODES = (
    *(FeatureCode(code, Argument.NUMBER, "phone", f"forward {which.replace('_', ' ')}")
      for code, which in FORWARD_CODES.items()),
    *(FeatureCode(code, Argument.NONE, "phone", f"cancel forwarding {which.replace('_', ' ')}")
      for code, which in CANCEL_CODES.items()),
    FeatureCode("*76", Argument.NONE, "phone", "do not disturb on"),
    FeatureCode("*77", Argument.NONE, "phone", "do not disturb off"),
    FeatureCode("*97", Argument.NONE, "phone", "my voicemail"),
    FeatureCode("*98", Argument.NONE, "phone", "any mailbox"),
    FeatureCode(GREETING_CODE, Argument.NONE, "phone", "record a company greeting"),
)


def feature_for(ctx: AppContext, session: Session, code: str) -> Coroutine[Any, Any, Next | None] | None:
    """The app for a feature code, or None if it is not one of these."""
    code = code.rstrip("#")
    head = code[:3]
    if head in FORWARD_CODES:
        return _forward(ctx, session, FORWARD_CODES[head], code[3:])
    if code in CANCEL_CODES:
        return _cancel(ctx, session, CANCEL_CODES[code])
    if code in ("*76", "*77"):
        return _dnd(ctx, session, code == "*76")
    if code == "*97":
        return _voicemail(ctx, session, own=True)
    if code == "*98":
        return _voicemail(ctx, session, own=False)
    if code == GREETING_CODE:
        return _record_greeting(ctx, session)
    return None


def _p(ctx: AppContext, session: Session, *names: str) -> list[Path]:
    return [ctx.prompts.system(name, session.info.language) for name in names]


def _extension(session: Session) -> str:
    # Feature codes act on the extension the phone is registered as, never on a claimed number
    # (the router refuses them from unauthenticated callers).
    return session.info.auth_user


async def _confirm(ctx: AppContext, session: Session, change: str, prompt: str) -> None:
    """The change goes in the call record, and the user hears it said."""
    session.note("feature", change)
    await session.play(_p(ctx, session, prompt), interruptible=False)


async def _forward(ctx: AppContext, session: Session, which: str, digits: str) -> Next | None:
    number = _extension(session)
    if not digits:
        await session.play(_p(ctx, session, "enter-number"))
        digits = await session.digits(max_digits=24, first_timeout=KEY_SECONDS)
    try:
        target = parse_phone_target(ctx.db, digits)
        set_forwarding(ctx.db, number, **{which: target})
    except ForwardingError as exc:
        log.info("extension %s: forwarding %s to %r refused: %s", number, which, digits, exc)
        session.note("feature", f"forwarding {which} refused: {exc}")
        await session.play(_p(ctx, session, "invalid"), interruptible=False)
        return None
    await _confirm(ctx, session, f"forwarding {which.replace('_', ' ')} to {target}", "forwarding-on")
    return None


async def _cancel(ctx: AppContext, session: Session, which: str) -> Next | None:
    number = _extension(session)
    clear_forwarding(ctx.db, number, which)
    await _confirm(ctx, session, f"forwarding {which.replace('_', ' ')} off", "forwarding-off")
    return None


async def _dnd(ctx: AppContext, session: Session, on: bool) -> Next | None:
    number = _extension(session)
    set_dnd(ctx.db, number, on)
    await _confirm(ctx, session, f"do not disturb {'on' if on else 'off'}", "dnd-on" if on else "dnd-off")
    return None


async def _voicemail(ctx: AppContext, session: Session, own: bool) -> Next | None:
    number = _extension(session)
    await check_messages(ctx, session, number if own and number else None)
    return None


async def _record_greeting(ctx: AppContext, session: Session) -> Next | None:
    """Company greetings from a phone: administrators only, after their mailbox PIN."""
    number = _extension(session)
    extension = get_extension(ctx.db, number) if number else None
    if extension is None or extension.role != "admin":
        session.note("barred", f"{number or 'caller'} may not record company greetings")
        await session.play(_p(ctx, session, "not-allowed"), interruptible=False)
        return None
    await session.play(_p(ctx, session, "enter-pin"))
    pin = await session.digits(max_digits=10, first_timeout=KEY_SECONDS)
    if not await check_pin(ctx.db, number, pin, session.info.guesser()):
        session.note("barred", "company greeting: wrong PIN")
        await session.play(_p(ctx, session, "wrong-pin"), interruptible=False)
        return None
    await session.play(_p(ctx, session, "enter-greeting-number"))
    slot = await session.digits(max_digits=2, first_timeout=KEY_SECONDS)
    if not slot:
        await session.play(_p(ctx, session, "invalid"), interruptible=False)
        return None
    await record_company_greeting(ctx, session, number, slot)
    return None


async def record_company_greeting(ctx: AppContext, session: Session, number: str, slot: str) -> bool:
    """Record company greeting `slot` (greeting1, ...) with review; True if one was kept. For a
    caller already allowed to (*58 after the mailbox PIN, keypad programming after the admin PIN)."""
    from firmware.prompts.upload import save_recording

    name = f"greeting{slot}"
    max_seconds = int(str(get_setting(ctx.db, "prompt_max_seconds")))
    kept = await record_reviewed(ctx, session, session.info.language,
                                 lambda path: save_recording(ctx.db, ctx.data_dir, name, path),
                                 recording_path(ctx.data_dir, number), max_seconds)
    session.note("feature", f"company greeting {name} {'recorded' if kept else 'not changed'}")
    return kept
