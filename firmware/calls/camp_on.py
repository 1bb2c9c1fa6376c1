"""Camp-on bookings ("ring me when a line is free"), kept in the database so that a
restart does not forget them. Oldest first; one booking per extension."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlite_utils

from firmware.store.database import write_transaction


def book(db: sqlite_utils.Database, extension: str, number: str) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM camp_ons WHERE extension = ?", [extension])
        db.execute("INSERT INTO camp_ons (extension, number, booked_at) VALUES (?, ?, ?)",
                   [extension, number, datetime.now(UTC).isoformat(timespec="milliseconds")])


def bookings(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    rows = db.execute("SELECT extension, number FROM camp_ons ORDER BY booked_at, rowid").fetchall()
    return [(str(extension), str(number)) for extension, number in rows]


def cancel(db: sqlite_utils.Database, extension: str) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM camp_ons WHERE extension = ?", [extension])
