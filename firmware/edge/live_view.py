"""The edge's live registrations and trunk states for status requests, asked at most twice a second.

Every status request (the CLI, the dashboard, /metrics, a monitoring system polling the API)
asked the edge by starting two kamcmd processes from the brain's event loop. Polled hard,
that took the brain's time from the calls it routes (post-dial delay rose from 8 to 34 ms
under 50 API requests a second). Requests within FRESH_SECONDS of an answer share it, and
requests made while the edge is being asked wait for that same answer.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from firmware.edge.rpc import live_registrations, trunk_registrations

# Registrations change when a phone registers (every few minutes per phone): half a second
# old is as good as new for a status page, and bounds the cost of any polling rate.
FRESH_SECONDS = 0.5

Snapshot = tuple[list[dict[str, str]], dict[str, str]]


async def ask_edge(run_dir: Path) -> Snapshot:
    return await live_registrations(run_dir), await trunk_registrations(run_dir)


class LiveView:
    def __init__(self, ask: Callable[[], Awaitable[Snapshot]], fresh_seconds: float = FRESH_SECONDS) -> None:
        self._ask = ask
        self._fresh = fresh_seconds
        self._value: Snapshot | None = None
        self._at = 0.0
        self._pending: asyncio.Future[Snapshot] | None = None

    @classmethod
    def of_edge(cls, run_dir: Path) -> LiveView:
        return cls(lambda: ask_edge(run_dir))

    async def get(self) -> Snapshot:
        """(registered contacts, trunk -> state); raises what asking the edge raised (EdgeRpcError)."""
        if self._value is not None and time.monotonic() - self._at < self._fresh:
            return self._value
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._refresh())
        # Shielded: one caller giving up (a client gone) does not cancel the others' answer.
        return await asyncio.shield(self._pending)

    async def _refresh(self) -> Snapshot:
        try:
            value = await self._ask()
        finally:
            self._pending = None
        self._value, self._at = value, time.monotonic()
        return value
