"""The periodic directory sync `minipbx run` does: every `interval_minutes` (0 = never).

The brain starts it with one task: `directory_sync_rounds(data_dir, stopping)`. Each sync
runs in a thread with its own database connection (the LDAP conversation blocks), so calls
are never held up by a slow directory. The interval is read again every round, so a change
made with `minipbx ldap set interval_minutes=...` applies without a restart; the time of the
last sync comes from the sync log, so a restart does not trigger an extra one.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from firmware.directory.client import DirectoryError
from firmware.directory.config import DirectoryConfigError, load_config
from firmware.directory.sync import sync_directory
from firmware.store.database import open_store

log = logging.getLogger("minipbx.directory")

# How often an idle schedule looks again at the interval (it may be switched on meanwhile).
IDLE_CHECK_SECONDS = 60.0


def seconds_until_due(data_dir: Path, now: datetime) -> float | None:
    """Seconds until the next scheduled sync (0 = now); None while the schedule is off."""
    db = open_store(data_dir)
    try:
        config = load_config(db)
        if config.interval_minutes == 0 or not config.url:
            return None
        row = db.execute("SELECT started_at FROM directory_log WHERE trigger = 'schedule' "
                         "ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        db.conn.close()
    if row is None:
        return 0.0
    due = datetime.fromisoformat(str(row[0])) + timedelta(minutes=config.interval_minutes)
    return max(0.0, (due - now).total_seconds())


def _sync_once(data_dir: Path) -> None:
    db = open_store(data_dir)
    try:
        result = sync_directory(db, data_dir, trigger="schedule")
        counts = ", ".join(f"{v} {k}" for k, v in result.counts.items() if v) or "no changes"
        log.info("directory sync: %s", counts)
    except (DirectoryError, DirectoryConfigError) as exc:
        log.warning("directory sync failed, nothing changed: %s", exc)
    finally:
        db.conn.close()


async def directory_sync_rounds(data_dir: Path, stopping: asyncio.Event) -> None:
    """Sync on the configured interval until `stopping` is set."""
    while not stopping.is_set():
        try:
            wait = await asyncio.to_thread(seconds_until_due, data_dir, datetime.now(UTC))
            if wait == 0.0:
                await asyncio.to_thread(_sync_once, data_dir)
                continue
        except Exception:
            log.exception("directory sync round failed")
            wait = IDLE_CHECK_SECONDS
        pause = IDLE_CHECK_SECONDS if wait is None else min(wait, IDLE_CHECK_SECONDS)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), pause)
