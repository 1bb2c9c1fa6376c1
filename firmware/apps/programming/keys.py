"""The keypad conventions of programming mode: # ends an entry, * goes back to the menu.

Prompts may be keyed over (an installer who knows the programs types ahead); an entry that
gets no key for ENTRY_SECONDS ends empty.
"""
from __future__ import annotations

from pathlib import Path

from firmware.apps.context import AppContext
from firmware.apps.session import Session

ENTRY_SECONDS = 10.0


class Back(Exception):
    """The caller pressed *: the program is left without a change."""


class Keypad:
    def __init__(self, ctx: AppContext, session: Session) -> None:
        self.ctx = ctx
        self.session = session
        self.lang = session.info.language

    def prompt(self, *names: str) -> list[Path]:
        return [self.ctx.prompts.system(name, self.lang) for name in names]

    def digits(self, text: str) -> list[Path]:
        """`text` said key by key (a number, a password, an address with its dots)."""
        return self.ctx.prompts.digits(text, self.lang)

    def number(self, n: int) -> list[Path]:
        return self.ctx.prompts.number(n, self.lang)

    async def say(self, files: list[Path]) -> None:
        """Spoken in full: a result or a secret must be heard, not skipped by a key typed ahead
        (which is kept for the next question)."""
        await self.session.play(files, interruptible=False)

    async def entry(self, *names: str, max_digits: int = 24) -> str:
        """Play the question, then keys until # (not included) or a pause; * = Back. An entry
        longer than `max_digits` is cut there, for the program's check to refuse."""
        await self.session.play(self.prompt(*names))
        collected = ""
        while True:
            # Programming is deliberate: the next key may take as long as the first (# ends it).
            key = await self.session.key(ENTRY_SECONDS)
            if key == "*":
                raise Back()
            if not key or key == "#":
                return collected[:max_digits + 1]
            collected += key

    async def choice(self, *names: str, accepted: str) -> str:
        """One key of `accepted`; '' for none or another key; * = Back."""
        await self.session.play(self.prompt(*names))
        key = await self.session.key(ENTRY_SECONDS)
        if key == "*":
            raise Back()
        return key if key and key in accepted else ""

    async def confirm(self, before: list[Path]) -> bool:
        """Say `before`, then # confirms (also keyed ahead), * (or anything else, or nothing) goes back."""
        await self.session.play([*before, *self.prompt("prog-confirm")])
        key = await self.session.key(ENTRY_SECONDS)
        if key != "#":
            raise Back()
        return True

    async def secret(self, before: list[Path], secret: str) -> None:
        """A new password or PIN, said digit by digit; 1 says it again, # (or a pause) goes on."""
        spoken = [*before, *self.digits(secret)]
        while True:
            await self.say(spoken)
            await self.session.play(self.prompt("prog-repeat"))
            if await self.session.key(ENTRY_SECONDS) != "1":
                return
