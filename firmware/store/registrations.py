"""Registered SIP contacts, as the edge keeps them in its `location` table."""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class Registration:
    extension: str
    contact: str
    user_agent: str
    expires: str


def registrations(db: sqlite_utils.Database) -> list[Registration]:
    """Contacts not yet expired.

    Kamailio's db_sqlite writes `expires` as text 'YYYY-MM-DD HH:MM:SS' in local
    time; entries are pruned by the edge's timer, the filter covers the gap.
    """
    rows = db.execute(
        "SELECT username, contact, user_agent, expires FROM location "
        "WHERE expires > datetime('now', 'localtime') OR expires < '1971' ORDER BY username"
    ).fetchall()
    return [Registration(*(str(v) for v in row)) for row in rows]
