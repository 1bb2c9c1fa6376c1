"""Disabled extensions: people who left the directory (or whose account was disabled there).

    in service --disable--> disabled --grace_days--> removed (firmware/directory/sync.py)
        ^                      |
        +------enable----------+   (back in the directory within the grace period)

Disabled means: the SIP account's row leaves Kamailio's `subscriber` table (its digests are
kept in `directory_people`), so every login and call from the phone is refused; its
registrations are dropped from the running edge; `extensions.disabled_at` is set, and the
router sends calls for the number to `leaver_destination` (the operator by default).
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import sqlite_utils

from firmware.store.database import write_transaction
from firmware.store.extensions import realm
from firmware.store.settings import get_setting

log = logging.getLogger("minipbx.directory")


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def disable_extension(db: sqlite_utils.Database, number: str, reason: str) -> None:
    """Refuse the extension's SIP login and divert its calls; reversible with enable_extension()."""
    with write_transaction(db):
        row = db.execute("SELECT ha1, ha1b FROM subscriber WHERE username = ?", [number]).fetchone()
        if row is not None:
            db.execute("UPDATE directory_people SET held_ha1 = ?, held_ha1b = ? WHERE number = ?",
                       [row[0], row[1], number])
        db.execute("UPDATE directory_people SET disabled_reason = ? WHERE number = ?", [reason, number])
        db.execute("DELETE FROM subscriber WHERE username = ?", [number])
        db.execute("DELETE FROM location WHERE username = ?", [number])
        db.execute("UPDATE extensions SET disabled_at = ? WHERE number = ?", [now_text(), number])


def enable_extension(db: sqlite_utils.Database, number: str) -> None:
    """Give a disabled extension its SIP account back, with the password it had."""
    with write_transaction(db):
        row = db.execute("SELECT held_ha1, held_ha1b FROM directory_people WHERE number = ?", [number]).fetchone()
        if row is not None and row[0]:
            db.execute("INSERT OR REPLACE INTO subscriber (username, domain, password, ha1, ha1b) "
                       "VALUES (?, ?, '', ?, ?)", [number, realm(db), row[0], row[1]])
        db.execute("UPDATE directory_people SET held_ha1 = '', held_ha1b = '', disabled_reason = '' "
                   "WHERE number = ?", [number])
        db.execute("UPDATE extensions SET disabled_at = '' WHERE number = ?", [number])


def disabled_since(db: sqlite_utils.Database, number: str) -> str:
    """When the extension was disabled ('' = in service or no such extension)."""
    row = db.execute("SELECT disabled_at FROM extensions WHERE number = ?", [number]).fetchone()
    return str(row[0]) if row else ""


def leaver_destination(db: sqlite_utils.Database, number: str) -> str | None:
    """Where a call for `number` goes instead, when it is disabled: a destination text, or ''
    when there is nowhere (the call is refused). None while the extension is in service."""
    if not disabled_since(db, number):
        return None
    from firmware.directory.config import load_config

    destination = load_config(db).leaver_destination
    if not destination:
        operator = str(get_setting(db, "operator_extension"))
        destination = f"ext:{operator}" if operator else ""
    # A disabled operator (or a destination that is itself a leaver) would send the call in circles.
    if destination.startswith("ext:") and (destination[4:] == number or disabled_since(db, destination[4:])):
        return ""
    return destination


