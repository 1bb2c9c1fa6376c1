"""How long recordings are kept: `recording_keep_days` (0 = no limit) and `recording_max_mb` in
total (0 = no limit), oldest deleted first; none younger than `recording_min_keep_hours` is
ever deleted, whatever the limits say (a call of this morning stays for the dispute this
afternoon). Runs when the PBX starts, after every recording and every hour.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from firmware.recording import index
from firmware.store.settings import get_setting

log = logging.getLogger("minipbx.recordings")


def prune(db: sqlite_utils.Database, data_dir: Path, now: datetime | None = None) -> list[index.Recording]:
    """Delete what the limits no longer allow; returns what was deleted."""
    now = now or datetime.now(UTC)
    keep_days = int(str(get_setting(db, "recording_keep_days")))
    max_bytes = int(str(get_setting(db, "recording_max_mb"))) * 1024 * 1024
    protected_since = (now - timedelta(hours=int(str(get_setting(db, "recording_min_keep_hours"))))
                       ).isoformat(timespec="seconds")
    rows = db.execute("SELECT id, started_at, bytes FROM recordings WHERE state != ? ORDER BY started_at, id",
                      [index.RECORDING]).fetchall()
    total = index.total_bytes(db)
    too_old = (now - timedelta(days=keep_days)).isoformat(timespec="seconds") if keep_days else ""
    deleted = []
    for recording_id, started_at, size in rows:
        if str(started_at) >= protected_since:
            break  # the rest are younger still
        over_age = bool(too_old) and str(started_at) < too_old
        over_size = bool(max_bytes) and total > max_bytes
        if not (over_age or over_size):
            break
        gone = index.remove(db, data_dir, int(recording_id))
        total -= int(size or 0)
        deleted.append(gone)
        log.info("recording %d of %s deleted (%s)", gone.id, gone.started_at,
                 f"older than {keep_days} days" if over_age else f"over {max_bytes // 1048576} MiB in total")
    return deleted
