"""Keeping the edge's busy lamps current.

After every worker event and every command the switch sends (`changed`), and at least
once a second, the lamps are read from the calls (`lamps`) and whatever differs from
what the edge holds is published; unchanged lamps are published again before they
lapse. The edge keeps lamps in memory only: when it (re)starts it gets the publishing
key again, the list of what phones may watch, and every lamp.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from firmware.calls.park import park_slots
from firmware.edge.rpc import EdgeRpcError, rpc
from firmware.presence.dialog_info import Dialog, render
from firmware.presence.lamps import extension_dialogs, park_dialogs
from firmware.presence.publisher import EtagUnknown, Published, Publisher, PublishError
from firmware.store.extensions import list_extensions

if TYPE_CHECKING:
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.presence")

PUBLISH_EXPIRES = 3600
# Published again this long before the edge would drop it.
RENEW_MARGIN = 300
ROUND_SECONDS = 1.0
# A burst of events (a ring group of 20 phones starting to ring) becomes one round.
SETTLE_SECONDS = 0.05


@dataclass
class _Lamp:
    dialogs: tuple[Dialog, ...]
    # The ETag that last matched, and the one the edge's last answer named. RFC 3903 says
    # a modification gets a new ETag; Kamailio 5.6's in-memory presentity keeps the first
    # one while answering with a new one. Trying the first, then the named one, works
    # with both (the second costs one more request, only where the RFC is followed).
    etag: str
    named: str
    renew_at: float


class BusyLamps:
    def __init__(self, switch: Switch, db: sqlite_utils.Database, run_dir: Path, edge_host: str, edge_port: int,
                 realm: str) -> None:
        self.switch = switch
        self.db = db
        self.run_dir = run_dir
        self.realm = realm
        self.key = secrets.token_hex(16)
        self.publisher = Publisher(edge_host, edge_port, realm, self.key)
        self._wanted = asyncio.Event()
        self._lamps: dict[str, _Lamp] = {}
        self._slots: set[str] = set()  # the park slots the edge's blf table holds
        self._edge_fresh = True
        self._edge_ready = False  # the edge has every lamp and lets phones subscribe
        self._trouble = ""
        self.published = 0  # publications the edge took (status, benchmarks)

    def changed(self) -> None:
        """Someone's call may have changed (called by the switch; cheap)."""
        self._wanted.set()

    def edge_started(self) -> None:
        """The edge (re)started with empty memory: it needs the key, the list and every lamp."""
        self._edge_fresh = True
        self._wanted.set()

    async def run(self, stopping: asyncio.Event) -> None:
        await self.publisher.start()
        try:
            while not stopping.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wanted.wait(), ROUND_SECONDS)
                await asyncio.sleep(SETTLE_SECONDS)
                self._wanted.clear()
                try:
                    await self.round()
                    if self._trouble:
                        log.info("busy lamps are published again")
                        self._trouble = ""
                except (EdgeRpcError, PublishError) as exc:
                    # Said once per kind of trouble, not every second the edge is down.
                    if str(exc) != self._trouble:
                        log.warning("busy lamps not published: %s", exc)
                        self._trouble = str(exc)
                    await asyncio.sleep(ROUND_SECONDS)
                except Exception:
                    log.exception("busy lamp round failed")
                    await asyncio.sleep(ROUND_SECONDS)
        finally:
            self.publisher.close()

    def wanted_lamps(self) -> dict[str, tuple[Dialog, ...]]:
        return {**extension_dialogs(self.switch), **park_dialogs(self.switch)}

    async def round(self) -> None:
        if self._edge_fresh:
            await rpc(self.run_dir, "htable.sets", "presence", "s:key", f"s:{self.key}")
            self._slots.clear()
            self._lamps.clear()
            self._edge_ready = False
            self._edge_fresh = False
        slots = park_slots(self.db)
        await self._sync_slots(set(slots))
        wanted = self.wanted_lamps()
        known = [e.number for e in list_extensions(self.db)] + slots
        now = time.monotonic()
        for name in known:
            dialogs = wanted.get(name, ())
            lamp = self._lamps.get(name)
            if lamp is None or lamp.dialogs != dialogs or now >= lamp.renew_at:
                await self._publish(name, dialogs, lamp)
        gone = set(self._lamps) - set(known)
        for name in sorted(gone):
            await self._send(name, "", 0, self._lamps.pop(name))
        if not self._edge_ready:
            await rpc(self.run_dir, "htable.seti", "presence", "s:ready", "1")
            self._edge_ready = True
            log.info("busy lamps ready: %d extensions and park slots published", len(known))

    async def _sync_slots(self, slots: set[str]) -> None:
        """Phones may watch park slots too (extensions the edge finds in its subscriber table)."""
        for name in sorted(slots - self._slots):
            await rpc(self.run_dir, "htable.seti", "blf", f"s:{name}", "1")
            self._slots.add(name)
        for name in sorted(self._slots - slots):
            await rpc(self.run_dir, "htable.delete", "blf", f"s:{name}")
            self._slots.discard(name)

    async def _send(self, name: str, body: str, expires: int, lamp: _Lamp | None) -> tuple[Published, str]:
        """PUBLISH, replacing the lamp's publication if the edge has it; (answer, the ETag
        that matched)."""
        for etag in (dict.fromkeys([lamp.etag, lamp.named]) if lamp else ()):
            try:
                return await self.publisher.publish(name, body, expires, etag), etag
            except EtagUnknown:
                continue
        if not expires:
            return Published("", 0), ""  # nothing there to withdraw
        # New, or the edge forgot it (it restarted before we noticed, or it lapsed): anew.
        done = await self.publisher.publish(name, body, expires)
        return done, done.etag

    async def _publish(self, name: str, dialogs: tuple[Dialog, ...], lamp: _Lamp | None) -> None:
        done, matched = await self._send(name, render(name, self.realm, dialogs), PUBLISH_EXPIRES, lamp)
        self.published += 1
        self._lamps[name] = _Lamp(dialogs, matched, done.etag,
                                  time.monotonic() + max(30, done.expires - RENEW_MARGIN))

    def status(self) -> dict[str, object]:
        return {"ready": self._edge_ready, "lamps": len(self._lamps), "published": self.published,
                "trouble": self._trouble}
