"""Call detail records: one row per call, written when the call ends."""
from __future__ import annotations

import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlite_utils

from firmware.store.database import write_transaction


@dataclass
class CallRecord:
    call_id: str
    caller: str
    called: str
    started_at: datetime
    ended_at: datetime
    disposition: str  # answered, busy, no_answer, cancelled, unavailable, failed
    hangup_cause: str  # in words a person reads in a report
    hangup_by: str  # caller, callee or system
    answered_by: str | None = None
    answered_at: datetime | None = None
    worker: int | None = None
    trunk: str | None = None
    did: str | None = None
    mode: str | None = None
    route: str | None = None
    # After the answer: who transferred, picked up, parked, retrieved; see calls/history.py.
    history: str = ""
    hold_seconds: float = 0.0
    transferred_by: str = ""
    direction: str = "internal"  # in (on a trunk or line), out (on one), internal

    @property
    def talk_seconds(self) -> float:
        if self.answered_at is None:
            return 0.0
        return round((self.ended_at - self.answered_at).total_seconds(), 3)


def write_cdr(db: sqlite_utils.Database, record: CallRecord) -> None:
    row = asdict(record)
    for key in ("started_at", "ended_at", "answered_at"):
        value = row[key]
        row[key] = value.isoformat(timespec="milliseconds") if value is not None else None
    row["talk_seconds"] = record.talk_seconds
    # A call record is billing evidence: wait out a busy database a few times
    # (each attempt already waits the connection's busy timeout) before giving up.
    for attempt in range(_ATTEMPTS):
        try:
            with write_transaction(db):
                db.table("cdr").insert(row)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == _ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


_ATTEMPTS = 4


def recent_cdr(db: sqlite_utils.Database, limit: int = 50) -> list[dict[str, object]]:
    return list(db.query("SELECT * FROM cdr ORDER BY id DESC LIMIT ?", [limit]))
