"""Call records written straight into the store, one a minute from `start`, for report tests."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from firmware.store.cdr import CallRecord, write_cdr

# caller, called, disposition, answered by, talk s, wait s, trunk, direction
Call = tuple[str, str, str, str | None, int, int, str | None, str]


def write_calls(db: sqlite_utils.Database, start: datetime, plan: list[Call], prefix: str = "d") -> None:
    """Call ids are `prefix` and the call's place in the plan (d0, d1, ...)."""
    for index, (caller, called, disposition, answered_by, talk, wait, trunk, direction) in enumerate(plan):
        started = start + timedelta(minutes=index)
        answered = started + timedelta(seconds=wait) if answered_by else None
        write_cdr(db, CallRecord(call_id=f"{prefix}{index}", caller=caller, called=called, started_at=started,
                                 ended_at=(answered or started) + timedelta(seconds=talk or 20),
                                 disposition=disposition, hangup_cause="the caller hung up", hangup_by="caller",
                                 answered_by=answered_by, answered_at=answered, trunk=trunk, direction=direction))
