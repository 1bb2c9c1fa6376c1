"""Numeric PINs (mailboxes, DISA): stored as salted scrypt hashes, guarded against guessing.

A PIN is 4-10 digits. Each wrong PIN for one (scope, source) is counted; from the
third on, that source is locked out of that scope for a time that doubles with each
further failure (30 s, 60 s, ... capped at a day), so guessing a 4-digit PIN
takes months. A right PIN clears the count. The lock lives in the database, so a
restart does not reset it.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlite_utils

from firmware.store.database import write_transaction

_PIN = re.compile(r"[0-9]{4,10}")
# Cheaper than the admin PIN's scrypt: a caller waits for this during a call.
_N, _R, _P = 2**13, 8, 1
FREE_FAILURES = 2
FIRST_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 86400


class PinError(ValueError):
    """A PIN that is not acceptable; the message says what is."""


def check_pin_format(pin: str) -> str:
    if not _PIN.fullmatch(pin):
        raise PinError("a PIN is 4 to 10 digits (0-9)")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise PinError(f"PIN {pin} is too easy to guess (repeated or consecutive digits); choose another")
    return pin


def hash_pin(pin: str) -> str:
    check_pin_format(pin)
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encoded_salt, encoded_digest = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"scrypt${_N}${_R}${_P}${encoded_salt}${encoded_digest}"


def pin_matches(stored: str, pin: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def locked_for(db: sqlite_utils.Database, scope: str, source: str, now: datetime | None = None) -> float:
    """Seconds this source must still wait before trying a PIN for this scope (0 = may try)."""
    now = now or datetime.now(UTC)
    row = db.execute("SELECT locked_until FROM pin_failures WHERE scope = ? AND source = ?",
                     [scope, source]).fetchone()
    if row is None or not row[0]:
        return 0.0
    return max(0.0, (datetime.fromisoformat(row[0]) - now).total_seconds())


def try_pin(db: sqlite_utils.Database, scope: str, source: str, stored: str, pin: str,
            now: datetime | None = None) -> bool:
    """True if `pin` is right and the source is not locked out; counts failures."""
    now = now or datetime.now(UTC)
    if locked_for(db, scope, source, now) > 0:
        return False
    return count_try(db, scope, source, bool(stored) and pin_matches(stored, pin), now)


async def try_pin_off_loop(db: sqlite_utils.Database, scope: str, source: str, stored: str, pin: str) -> bool:
    """try_pin for the brain's event loop: the scrypt comparison (tens of milliseconds, on
    purpose) runs in a thread, so calls in progress are not held up by someone keying a PIN.
    The database is touched only from the loop's thread."""
    return await try_check_off_loop(db, scope, source, lambda: bool(stored) and pin_matches(stored, pin))


async def try_check_off_loop(db: sqlite_utils.Database, scope: str, source: str, check: Callable[[], bool]) -> bool:
    """A PIN check of another kind (the admin PIN's own file and scrypt cost) under the same
    guard: refused while locked out, `check` run in a thread, the try counted."""
    if locked_for(db, scope, source) > 0:
        return False
    ok = await asyncio.to_thread(check)
    return count_try(db, scope, source, ok, datetime.now(UTC))


def count_try(db: sqlite_utils.Database, scope: str, source: str, ok: bool, now: datetime) -> bool:
    """Record an attempt: a right one clears the failures, a wrong one counts and may lock out."""
    with write_transaction(db):
        if ok:
            db.execute("DELETE FROM pin_failures WHERE scope = ? AND source = ?", [scope, source])
            return True
        row = db.execute("SELECT failures FROM pin_failures WHERE scope = ? AND source = ?",
                         [scope, source]).fetchone()
        failures = (row[0] if row else 0) + 1
        until = ""
        if failures > FREE_FAILURES:
            seconds = min(MAX_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** (failures - FREE_FAILURES - 1))
            until = (now + timedelta(seconds=seconds)).isoformat()
        db.execute("INSERT OR REPLACE INTO pin_failures (scope, source, failures, locked_until) VALUES (?, ?, ?, ?)",
                   [scope, source, failures, until])
    return False
