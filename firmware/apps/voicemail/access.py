"""Listening to messages from a phone.

From the owner's own phone (*97) the mailbox opens at once; from any other phone
(*98, or a menu option `vmaccess`) the caller keys mailbox and PIN, with wrong
PINs locked out by firmware/pins/guard.py. Then:

    main menu: 1 new messages, 2 saved messages, 0 greetings, 9 change PIN, * end
    per message: 1 replay, 2 save, 3 delete, 4 forward, 6 next, * back
    greetings: 1 unavailable, 2 busy, 3 name; each recorded after the tone,
               then 1 keep, 2 listen, 3 record again

A new message heard to its end moves to the saved folder, so the lamp goes out
once everything is heard; delete removes it for good.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from firmware.apps.context import AppContext
from firmware.apps.session import Session
from firmware.apps.voicemail.store import (
    MailboxError,
    Message,
    check_pin,
    counts,
    delete_message,
    forward_message,
    has_room,
    mailbox,
    mailbox_scope,
    message_path,
    messages,
    recording_path,
    save_greeting,
    save_message,
    set_pin_hash,
)
from firmware.pins.guard import PinError, hash_pin, locked_for
from firmware.store.extensions import get_extension

log = logging.getLogger("minipbx.voicemail")

LOGIN_TRIES = 3
KEY_SECONDS = 8.0
GREETING_MAX_SECONDS = 60


class _Menu:
    def __init__(self, ctx: AppContext, session: Session, number: str, language: str) -> None:
        self.ctx, self.session, self.number, self.language = ctx, session, number, language

    def p(self, *names: str) -> list[Path]:
        return [self.ctx.prompts.system(name, self.language) for name in names]

    async def say(self, *names: str, interruptible: bool = True) -> str:
        return await self.session.play(self.p(*names), interruptible=interruptible)

    async def choice(self, *names: str) -> str:
        key = await self.say(*names)
        return key or await self.session.key(KEY_SECONDS)

    def _count_prompts(self, count: int, kind: str) -> list[Path]:
        if count == 0:
            return []
        if count == 1:
            # "one new message" as a whole: a number word before it would read "eins neue Nachricht".
            return self.p(f"one-{kind}-message")
        return [*self.ctx.prompts.number(count, self.language), *self.p(f"{kind}-messages")]

    async def main(self) -> None:
        self.session.note("voicemail", f"mailbox {self.number} checked")
        while True:
            new, saved = counts(self.ctx.db, self.number)
            if new or saved:
                summary = [*self.p("you-have"), *self._count_prompts(new, "new"),
                           *self._count_prompts(saved, "saved")]
            else:
                summary = self.p("no-messages")
            key = await self.session.play([*summary, *self.p("vm-main-menu")])
            self.session.clear_keys()
            key = key or await self.session.key(KEY_SECONDS)
            if key == "1":
                await self.listen("new")
            elif key == "2":
                await self.listen("saved")
            elif key == "0":
                await self.greetings()
            elif key == "9":
                await self.change_pin()
            elif key in ("*", ""):
                await self.say("goodbye", interruptible=False)
                return
            else:
                await self.say("invalid", interruptible=False)

    async def listen(self, folder: str) -> None:
        for message in messages(self.ctx.db, self.number, folder):
            if not await self.one_message(message, folder):
                return
        await self.say("no-more-messages", interruptible=False)

    async def one_message(self, message: Message, folder: str) -> bool:
        """Play one message and its options; False = back to the main menu."""
        play = True
        while True:
            key = ""
            if play:
                self.session.clear_keys()
                heard = [*self.p("message", "from"), *self._caller(message), message_path(self.ctx.data_dir, message)]
                key = await self.session.play(heard)
                if not key and folder == "new":
                    save_message(self.ctx.db, message.id)
                    folder = "saved"
                    self.ctx.mailbox_changed(self.number)
                play = False
            self.session.clear_keys()
            # A key pressed during the message is the choice (3 while listening deletes it).
            key = key or await self.choice("vm-message-options")
            if key == "1":
                play = True
            elif key == "2":
                if folder == "new":
                    save_message(self.ctx.db, message.id)
                    self.ctx.mailbox_changed(self.number)
                await self.say("message-saved", interruptible=False)
                return True
            elif key == "3":
                delete_message(self.ctx.db, self.ctx.data_dir, message.id)
                self.ctx.mailbox_changed(self.number)
                await self.say("message-deleted", interruptible=False)
                return True
            elif key == "4":
                await self.forward(message)
            elif key == "6":
                return True
            elif key in ("*", ""):
                return False
            else:
                await self.say("invalid", interruptible=False)

    def _caller(self, message: Message) -> list[Path]:
        if message.caller and message.caller.isdigit():
            return self.ctx.prompts.digits(message.caller, self.language)
        return self.p("unknown-caller")

    async def forward(self, message: Message) -> None:
        self.session.clear_keys()
        await self.say("enter-forward-mailbox")
        target = await self.session.digits(max_digits=10, first_timeout=KEY_SECONDS)
        if not target or get_extension(self.ctx.db, target) is None or target == self.number:
            await self.say("invalid", interruptible=False)
            return
        try:
            forward_message(self.ctx.db, self.ctx.data_dir, message.id, target)
        except MailboxError as exc:
            log.warning("voicemail: %s", exc)
            await self.say("cannot-record", interruptible=False)
            return
        self.ctx.mailbox_changed(target)
        await self.say("message-forwarded", interruptible=False)

    async def greetings(self) -> None:
        while True:
            self.session.clear_keys()
            key = await self.choice("vm-greetings-menu")
            kind = {"1": "unavailable", "2": "busy", "3": "name"}.get(key)
            if kind is None:
                return
            await record_reviewed(self.ctx, self.session, self.language, self._greeting_keeper(kind),
                                  recording_path(self.ctx.data_dir, self.number), GREETING_MAX_SECONDS)

    def _greeting_keeper(self, kind: str) -> Callable[[Path], object]:
        def keep(path: Path) -> object:
            return save_greeting(self.ctx.db, self.ctx.data_dir, self.number, kind, path)
        return keep

    async def change_pin(self) -> None:
        self.session.clear_keys()
        await self.say("new-pin")
        pin = await self.session.digits(max_digits=10, first_timeout=KEY_SECONDS)
        try:
            # Hashing is as slow as checking, on purpose: in a thread, so other calls go on.
            stored = await asyncio.to_thread(hash_pin, pin)
        except PinError:
            await self.say("pin-too-simple", interruptible=False)
            return
        set_pin_hash(self.ctx.db, self.number, stored)
        await self.say("pin-changed", interruptible=False)


async def record_reviewed(ctx: AppContext, session: Session, language: str, keep: Callable[[Path], object],
                          path: Path, max_seconds: int) -> bool:
    """Record after the tone, then 1 keep, 2 listen, 3 record again. `keep(path)` stores it."""
    def p(*names: str) -> list[Path]:
        return [ctx.prompts.system(name, language) for name in names]

    if not has_room(ctx.db, ctx.data_dir):
        await session.play(p("cannot-record"), interruptible=False)
        return False
    while True:
        await session.play(p("record-after-tone"), interruptible=False)
        await session.tone("beep", 0.5)
        recording = await session.record(path, max_seconds)
        if recording.reason == "hangup":
            path.unlink(missing_ok=True)
            return False
        while True:
            session.clear_keys()
            await session.play(p("review-recording"))
            # A key that cut the prompt short is still queued: taken here, so it is not also read
            # by whatever follows (keypad programming's menu after a company greeting).
            key = await session.key(KEY_SECONDS)
            if key == "2":
                session.clear_keys()
                await session.play([path])
                continue
            break
        if key == "1":
            try:
                keep(path)
            except (MailboxError, ValueError, OSError) as exc:
                log.warning("recording not kept: %s", exc)
                await session.play(p("recording-too-short"), interruptible=False)
                continue
            await session.play(p("recording-kept"), interruptible=False)
            return True
        if key != "3":
            path.unlink(missing_ok=True)
            return False


async def check_messages(ctx: AppContext, session: Session, own: str | None) -> None:
    """The mailbox menu; `own` is the caller's extension when they called from it (*97)."""
    language = session.info.language
    number = own
    if number is None:
        number = await _login(ctx, session, language)
        if number is None:
            return
    try:
        language = mailbox(ctx.db, number).language or language
    except MailboxError:
        return
    await _Menu(ctx, session, number, language).main()


async def _login(ctx: AppContext, session: Session, language: str) -> str | None:
    guesser = session.info.guesser()

    def p(*names: str) -> list[Path]:
        return [ctx.prompts.system(name, language) for name in names]

    for _ in range(LOGIN_TRIES):
        session.clear_keys()
        await session.play(p("enter-mailbox"))
        number = await session.digits(max_digits=10, first_timeout=KEY_SECONDS)
        if number and locked_for(ctx.db, mailbox_scope(number), guesser) > 0:
            await session.play(p("locked-out"), interruptible=False)
            session.note("voicemail", f"mailbox {number}: login locked out")
            return None
        await session.play(p("enter-pin"))
        pin = await session.digits(max_digits=10, first_timeout=KEY_SECONDS)
        # A mailbox that does not exist and a wrong PIN sound the same.
        ok = (bool(number) and get_extension(ctx.db, number) is not None
              and await check_pin(ctx.db, number, pin, guesser))
        if ok:
            return number
        log.warning("voicemail login to %r from %s (%s) refused", number, guesser.number or "withheld",
                    guesser.source)
        session.note("voicemail", f"mailbox {number or '?'}: wrong PIN")
        await session.play(p("wrong-pin"), interruptible=False)
    await session.play(p("goodbye"), interruptible=False)
    return None
