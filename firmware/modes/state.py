"""Modes as stored: the timetable, holidays, the override and the change log."""
from __future__ import annotations

from datetime import UTC, date, datetime

import sqlite_utils

from firmware.modes.timetable import (
    Interval,
    ModeNow,
    Override,
    TimetableError,
    check_mode,
    check_timezone,
    current_mode,
    next_change,
    parse_weekdays,
    validate,
)
from firmware.store.database import write_transaction
from firmware.store.settings import get_setting


def local_now(db: sqlite_utils.Database, now: datetime | None = None) -> datetime:
    zone = check_timezone(str(get_setting(db, "timezone")))
    return (now or datetime.now(UTC)).astimezone(zone)


def intervals(db: sqlite_utils.Database) -> list[Interval]:
    rows = db.execute("SELECT weekday, start, end, mode FROM mode_schedule ORDER BY weekday, start").fetchall()
    return [Interval(*row) for row in rows]


def set_day_schedule(db: sqlite_utils.Database, weekdays: str, spec: str) -> list[Interval]:
    """Replace the given weekdays' intervals: spec like '08:00-12:00 day, 12:00-13:00 lunch'.

    An empty spec leaves those days at night all day.
    """
    days = parse_weekdays(weekdays)
    new: list[Interval] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        try:
            span, mode = part.split()
            start, end = span.split("-")
        except ValueError:
            raise TimetableError(f"interval {part!r} is not accepted; write e.g. '08:00-12:00 day'") from None
        new.extend(Interval(day, start, end, mode) for day in days)
    kept = [i for i in intervals(db) if i.weekday not in days]
    ordered = validate(kept + new)
    with write_transaction(db):
        db.execute("DELETE FROM mode_schedule")
        db.table("mode_schedule").insert_all([i.__dict__ for i in ordered])
    return ordered


def holidays(db: sqlite_utils.Database) -> dict[date, str]:
    return {date.fromisoformat(d): n for d, n in db.execute("SELECT date, name FROM holidays").fetchall()}


def add_holiday(db: sqlite_utils.Database, day: str, name: str) -> None:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise TimetableError(f"date {day!r} is not accepted; use YYYY-MM-DD, e.g. 2026-12-25") from None
    if not name.strip():
        raise TimetableError("a holiday needs a name, e.g. 'Christmas'")
    db.execute("INSERT OR REPLACE INTO holidays (date, name) VALUES (?, ?)", [parsed.isoformat(), name.strip()])


def remove_holiday(db: sqlite_utils.Database, day: str) -> None:
    if db.execute("DELETE FROM holidays WHERE date = ?", [day]).rowcount == 0:
        raise TimetableError(f"no holiday on {day}")


def override(db: sqlite_utils.Database) -> Override | None:
    row = db.execute("SELECT mode, kind, set_by, set_at, until FROM mode_override WHERE id = 1").fetchone()
    if row is None:
        return None
    mode, kind, set_by, set_at, until = row
    return Override(mode, kind, set_by, datetime.fromisoformat(set_at),
                    datetime.fromisoformat(until) if until else None)


def mode_now(db: sqlite_utils.Database, now: datetime | None = None) -> ModeNow:
    return current_mode(intervals(db), holidays(db), override(db), local_now(db, now))


def set_override(db: sqlite_utils.Database, mode: str, kind: str, by: str, now: datetime | None = None) -> ModeNow:
    """Switch now: 'temporary' until the next scheduled change, 'fixed' until cleared."""
    check_mode(mode)
    if kind not in ("temporary", "fixed"):
        raise TimetableError(f"override kind {kind!r} is not accepted; use temporary or fixed")
    at = local_now(db, now)
    until = next_change(intervals(db), holidays(db), at) if kind == "temporary" else None
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO mode_override (id, mode, kind, set_by, set_at, until) "
                   "VALUES (1, ?, ?, ?, ?, ?)",
                   [mode, kind, by, at.isoformat(), until.isoformat() if until else None])
        state = mode_now(db, now)
        log_change(db, state, by, now)
    return state


def clear_override(db: sqlite_utils.Database, by: str, now: datetime | None = None) -> ModeNow:
    with write_transaction(db):
        db.execute("DELETE FROM mode_override")
        state = mode_now(db, now)
        log_change(db, state, by, now)
    return state


def log_change(db: sqlite_utils.Database, state: ModeNow, by: str, now: datetime | None = None) -> None:
    db.table("mode_log").insert({"at": local_now(db, now).isoformat(timespec="seconds"), "mode": state.mode,
                           "reason": state.reason, "by": by})


def last_logged_mode(db: sqlite_utils.Database) -> str | None:
    row = db.execute("SELECT mode FROM mode_log ORDER BY id DESC LIMIT 1").fetchone()
    return str(row[0]) if row else None
