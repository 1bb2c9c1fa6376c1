"""Voicemail follow-up in the brain: message-waiting lamps and e-mail.

A mailbox that changes (a message left, heard, deleted) gets its lamp state sent
to the edge at once, and new messages are e-mailed. A mail server that was down
gets the messages on a later round, every few minutes; the edge is told every
mailbox's state again after it starts (its memory starts empty).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import sqlite_utils

from firmware.apps.voicemail.mailer import MailError, deliver_pending
from firmware.apps.voicemail.store import counts
from firmware.edge.mwi import MwiError, notify_all_mwi, notify_mwi
from firmware.edge.rpc import EdgeRpcError
from firmware.recording.mail import deliver_pending as deliver_recordings

log = logging.getLogger("minipbx.voicemail")

MAIL_ROUND_SECONDS = 300.0


class MessageWaiting:
    def __init__(self, db: sqlite_utils.Database, data_dir: Path, run_dir: Path, edge_addr: str, realm: str) -> None:
        self.db = db
        self.data_dir = data_dir
        self.run_dir = run_dir
        self.edge_addr = edge_addr
        self.realm = realm
        self._tasks: set[asyncio.Task[None]] = set()
        self._mail_wanted = asyncio.Event()
        # One edge update at a time per mailbox (each is two kamcmd runs), in the order asked.
        self._edge_locks: dict[str, asyncio.Lock] = {}

    def changed(self, mailbox: str) -> None:
        """Called by apps (in the event loop) after a mailbox's messages changed."""
        task = asyncio.get_running_loop().create_task(self._tell_edge(mailbox))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._mail_wanted.set()

    @staticmethod
    async def _mail_round(what: str, delivery: Coroutine[Any, Any, int]) -> None:
        try:
            sent = await delivery
            if sent:
                log.info("%d %s(s) e-mailed", sent, what)
        except MailError as exc:
            log.warning("%s e-mail: %s (retrying later)", what, exc)
        except Exception:
            log.exception("%s e-mail round failed", what)

    def mail_now(self) -> None:
        """Something is to be e-mailed (a call recording): the mail loop runs at once."""
        self._mail_wanted.set()

    async def _tell_edge(self, mailbox: str) -> None:
        # Two changes close together (a message left, then deleted once e-mailed) must not
        # overtake each other: the lamp would stay as the older one left it. Under the lock,
        # the last update reads the latest counts and goes out last.
        async with self._edge_locks.setdefault(mailbox, asyncio.Lock()):
            new, saved = counts(self.db, mailbox)
            try:
                await notify_mwi(self.run_dir, self.edge_addr, self.realm, mailbox, new, saved)
            except (MwiError, EdgeRpcError) as exc:
                log.warning("message-waiting for %s not sent: %s", mailbox, exc)

    async def edge_started(self) -> None:
        try:
            told = await notify_all_mwi(self.run_dir, self.edge_addr, self.realm, self.db)
            log.info("message-waiting state sent for %d mailbox(es)", told)
        except EdgeRpcError as exc:
            log.warning("message-waiting state not sent: %s", exc)

    async def mail_rounds(self, stopping: asyncio.Event) -> None:
        """E-mail new messages (and call recordings) now when one arrives, and retry every few minutes."""
        while not stopping.is_set():
            # A message deleted once e-mailed changes the lamp too.
            await self._mail_round("voicemail message", deliver_pending(
                self.db, self.data_dir, on_deleted=lambda message: self.changed(message.mailbox)))
            # Call recordings for extensions that want them (firmware/recording/mail.py), same server.
            await self._mail_round("call recording", deliver_recordings(self.db, self.data_dir))
            self._mail_wanted.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._mail_wanted.wait(), MAIL_ROUND_SECONDS)
