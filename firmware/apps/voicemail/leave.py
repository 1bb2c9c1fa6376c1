"""Leaving a message: greeting, tone, the caller speaks, the message is kept.

The greeting is the mailbox's own (busy or unavailable, whichever applies), else
its recorded name with the system sentence, else "Extension 1 0 1 is not
available". A full data partition is said before the tone, so nobody talks to
a recorder that cannot keep the message.
"""
from __future__ import annotations

import logging
from pathlib import Path

from firmware.apps.context import AppContext
from firmware.apps.session import Session
from firmware.apps.voicemail.store import MailboxError, greeting_path, has_room, mailbox, recording_path, store_message
from firmware.store.settings import get_setting

log = logging.getLogger("minipbx.voicemail")

BEEP_SECONDS = 0.5


def _greeting(ctx: AppContext, number: str, reason: str, language: str) -> list[Path]:
    own = greeting_path(ctx.data_dir, number, "busy" if reason == "busy" else "unavailable")
    if own is not None:
        return [own]
    sentence = ctx.prompts.system("busy" if reason == "busy" else "not-available", language)
    name = greeting_path(ctx.data_dir, number, "name")
    if name is not None:
        return [name, sentence]
    return [ctx.prompts.system("extension", language), *ctx.prompts.digits(number, language), sentence]


async def leave_message(ctx: AppContext, session: Session, number: str, reason: str = "unavailable") -> None:
    try:
        box = mailbox(ctx.db, number)
    except MailboxError as exc:
        log.error("voicemail: %s", exc)
        session.note("failed", f"voicemail: {exc}")
        return
    language = box.language or session.info.language
    if not has_room(ctx.db, ctx.data_dir):
        log.error("voicemail for %s refused: the data partition is nearly full", number)
        session.note("failed", f"voicemail {number}: no room on the data partition")
        await session.play([ctx.prompts.system("cannot-record", language), ctx.prompts.system("goodbye", language)],
                           interruptible=False)
        return
    session.note("voicemail", f"mailbox {number}: caller hung up before the tone")
    await session.play([*_greeting(ctx, number, reason, language), ctx.prompts.system("leave-message", language)])
    session.clear_keys()
    await session.tone("beep", BEEP_SECONDS)
    recording = await session.record(recording_path(ctx.data_dir, number),
                                     int(str(get_setting(ctx.db, "voicemail_max_seconds"))))
    try:
        message = store_message(ctx.db, ctx.data_dir, number, session.info.caller, session.info.caller_name,
                                recording.path)
    except (MailboxError, OSError) as exc:
        log.error("voicemail for %s not kept: %s", number, exc)
        session.note("failed", f"voicemail {number}: message not kept ({exc})")
        message = None
    if message is None:
        session.note("voicemail", f"mailbox {number}: message too short, not kept")
        if recording.reason != "hangup" and not session.gone:
            await session.play([ctx.prompts.system("recording-too-short", language),
                                ctx.prompts.system("goodbye", language)], interruptible=False)
        return
    session.note("voicemail", f"message left in mailbox {number} ({message.seconds:.0f} s)")
    ctx.mailbox_changed(number)
    if recording.reason != "hangup" and not session.gone:
        await session.play([ctx.prompts.system("message-saved", language), ctx.prompts.system("goodbye", language)],
                           interruptible=False)
