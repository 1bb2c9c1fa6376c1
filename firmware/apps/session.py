"""A call application's handle on the caller: play, listen for keys, record.

Apps (voice menus, voicemail, phone-set features) are coroutines that take a
Session and return where the call goes next (a destination text) or None to
release the caller. They never see workers or SIP: the session turns each step
into worker commands for the caller's leg and waits for the matching events,
which the switch feeds in (`digit`, `played`, `recorded`, `gone`).

Keys pressed while a prompt plays are kept in order, so a caller who knows the
menu can type ahead; a prompt marked interruptible stops at the first key.
When the caller hangs up, whatever the app awaits raises CallerGone.
"""
from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firmware.media.tones import tone
from firmware.pins.guard import Guesser

# Seconds to wait for the next key once the caller has started typing a number.
INTER_DIGIT_SECONDS = 3.0


class CallerGone(Exception):
    """The caller hung up; the app stops."""


@dataclass(frozen=True)
class Recording:
    path: Path
    seconds: float
    reason: str  # "key" (caller pressed #), "max", "hangup", "stopped"
    error: str = ""


@dataclass(frozen=True)
class CallerInfo:
    caller: str  # extension number, or the outside number on trunk calls
    caller_name: str
    called: str
    auth_user: str  # the caller's extension when the call comes from an authenticated device
    trunk: str
    mode: str
    language: str
    country: str

    def guesser(self) -> Guesser:
        """Who is keying a PIN on this call, as the PIN guard counts failures."""
        return Guesser.of_call(self.caller, self.auth_user, self.trunk)


class Session:
    def __init__(self, leg: str, send: Callable[..., None], info: CallerInfo) -> None:
        self.leg = leg
        self._send = send
        self.info = info
        self.answered = False
        self.gone = False
        # Keys in the order pressed, not yet taken by the app.
        self._keys: deque[str] = deque()
        self._key_arrived = asyncio.Event()
        self._waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._playing: str | None = None
        self._interruptible = False
        self._recording: str | None = None
        # How the app ended the call, for the call record: (disposition, cause).
        self.outcome: tuple[str, str] | None = None

    # ---- events fed by the switch -----------------------------------------------------
    def digit(self, key: str) -> None:
        self._keys.append(key)
        self._key_arrived.set()
        if self._playing is not None and self._interruptible:
            self._send("stop_play", leg=self.leg)
            self._finish(self._playing, {"interrupted": key})
        if self._recording is not None and key == "#":
            self._send("stop_record", leg=self.leg)

    def event(self, message: dict[str, Any]) -> None:
        """A `played` or `recorded` event for this leg. A recording is delivered even after a
        hang-up: the worker reports it before the leg's end, and the file is what counts."""
        self._finish(str(message.get("id", "")), message)

    def hung_up(self) -> None:
        self.gone = True
        for future in self._waiters.values():
            if not future.done():
                future.set_exception(CallerGone())
        self._waiters.clear()
        # Wake a coroutine waiting for a key: it checks `gone` and raises.
        self._key_arrived.set()

    def _finish(self, op_id: str, message: dict[str, Any]) -> None:
        future = self._waiters.pop(op_id, None)
        if future is not None and not future.done():
            future.set_result(message)

    async def _wait(self, op_id: str) -> dict[str, Any]:
        if self.gone:
            raise CallerGone()
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters[op_id] = future
        return await future

    def note(self, disposition: str, cause: str) -> None:
        """What the call record says if the call ends in this app (e.g. 'voicemail', 'message left')."""
        self.outcome = (disposition, cause)

    # ---- steps for apps ---------------------------------------------------------------
    def _check(self) -> None:
        if self.gone:
            raise CallerGone()

    async def answer(self) -> None:
        self._check()
        if not self.answered:
            self.answered = True
            self._send("answer", leg=self.leg, code=200)

    async def play(self, files: Sequence[Path], *, interruptible: bool = True) -> str:
        """Play files in order; returns the key that interrupted them ('' if none).

        The key stays queued, so the next `key()` or `digits()` gets it (the first digit of a
        number keyed over "enter the number" counts); an app that only wanted to know that a
        key was pressed clears it. With a key already waiting (typed ahead) an interruptible
        prompt is skipped."""
        self._check()
        await self.answer()
        if not files:
            return ""
        if interruptible and self._keys:
            return self._keys[0]
        op_id = f"p{next(self._ids)}"
        self._playing, self._interruptible = op_id, interruptible
        self._send("play", leg=self.leg, id=op_id, files=[str(f) for f in files])
        try:
            result = await self._wait(op_id)
        finally:
            self._playing = None
        return str(result.get("interrupted", ""))

    async def tone(self, name: str, seconds: float) -> None:
        """Play a call-progress tone (beep, confirm...) for `seconds`, then stop it."""
        self._check()
        await self.answer()
        self._send("tone", leg=self.leg, segments=tone(self.info.country, name), loop=False)
        await self.pause(seconds)
        self._send("stop_tone", leg=self.leg)

    def music(self, files: Sequence[str]) -> None:
        """Music in a loop until the next step (a prompt, a tone) or a bridge stops it."""
        self._check()
        self._send("music", leg=self.leg, files=list(files))

    async def pause(self, seconds: float) -> None:
        self._check()
        await asyncio.sleep(seconds)
        self._check()

    async def key(self, timeout: float) -> str:
        """The next key, or '' after `timeout` seconds without one."""
        self._check()
        if not self._keys:
            self._key_arrived.clear()
            try:
                await asyncio.wait_for(self._key_arrived.wait(), timeout)
            except TimeoutError:
                return ""
            self._check()
        return self._keys.popleft()

    async def digits(self, *, max_digits: int, first_timeout: float, inter_timeout: float = INTER_DIGIT_SECONDS,
                     end: str = "#") -> str:
        """Keys up to `max_digits`, ended early by `end` (not included) or a pause."""
        collected = ""
        timeout = first_timeout
        while len(collected) < max_digits:
            key = await self.key(timeout)
            if not key or key in end:
                break
            collected += key
            timeout = inter_timeout
        return collected

    def clear_keys(self) -> None:
        self._keys.clear()

    async def record(self, path: Path, max_seconds: int) -> Recording:
        """Record the caller until # , hang-up or `max_seconds`. A hang-up ends the
        recording (the file is kept and returned) rather than raising CallerGone."""
        self._check()
        await self.answer()
        self.clear_keys()
        op_id = f"r{next(self._ids)}"
        self._recording = op_id
        self._send("record", leg=self.leg, id=op_id, path=str(path), max_seconds=max_seconds)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters[op_id] = future
        try:
            result = await future
        except CallerGone:
            # The worker reports `recorded` before `ended`, so this is a worker gone mid-recording.
            return Recording(path, 0.0, "hangup", "the call ended before the recording was saved")
        finally:
            self._recording = None
        reason = str(result.get("reason", ""))
        if reason == "stopped":
            reason = "key"
        return Recording(Path(str(result.get("path", path))), float(result.get("seconds", 0.0)), reason,
                         str(result.get("error", "")))



@dataclass(frozen=True)
class Next:
    """Where an app sends the caller, with what rights: `profile` is the class of
    service for an outside number ('' = the caller's own); `follow_forwarding`
    says whether an extension's forwarding applies."""
    destination: str
    profile: str = ""
    follow_forwarding: bool = True
    route: str = ""
