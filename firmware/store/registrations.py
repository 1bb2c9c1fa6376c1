"""Registered SIP contacts, as the edge keeps them in its `location` table."""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class Registration:
    extension: str
    contact: str
    user_agent: str
    expires: str  # UTC, 'YYYY-MM-DD HH:MM:SS'


def registrations(db: sqlite_utils.Database) -> list[Registration]:
    """Contacts not yet expired.

    Kamailio's db_sqlite writes `expires` as a Julian day number (UTC); expired
    rows are pruned by the edge's timer, the filter covers the time in between.
    """
    rows = db.execute(
        "SELECT username, contact, user_agent, datetime(expires) FROM location "
        "WHERE expires > julianday('now') ORDER BY CAST(username AS INTEGER), contact"
    ).fetchall()
    return [Registration(*(str(v) for v in row)) for row in rows]
