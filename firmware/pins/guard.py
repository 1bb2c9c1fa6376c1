"""Numeric PINs (mailboxes, DISA, conference rooms): stored as salted scrypt hashes, guarded
against guessing.

A PIN is 4-10 digits. A wrong PIN for a target (`voicemail:101`, `disa:main`, `conf:800`) is
counted at three levels, each with its own free failures and then a lock that doubles with
every further failure (capped at MAX_LOCK_SECONDS):

- the presented number (CALLER_*): the guesser who keeps one caller ID;
- the source: the trunk the call came in on (TRUNK_*: looser, since every outside caller on
  it shares it), or the extension of an authenticated device or the client address (CALLER_*:
  one party), so a caller who changes the presented number on every call gains nothing;
- the target over all sources (TARGET_*): a guesser with several trunks or devices still
  gets only TARGET_FREE_FAILURES tries before everyone waits.

A caller who withholds the number has no number level: withheld callers are counted per
source only. One shared "anonymous" counter would let a single guesser lock every withheld
caller out of every target; per source, the damage stays on the source the guesser uses,
and that source's lock applies to presented numbers too (so withholding does not help).

A right PIN clears the caller's own number and source counts, never the target's: the
owner logging in during an attack must not hand the attacker a fresh allowance. Counts are
forgotten after a quiet time (*_FORGET_SECONDS) so honest slips do not add up over
months. Everything lives in the database: a restart does not lift a lock.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from firmware.store.database import write_transaction

_PIN = re.compile(r"[0-9]{4,10}")
# A caller ID that is a number; anything else ('anonymous', 'unknown', '') is withheld.
_PRESENTED = re.compile(r"\+?[0-9]{2,}")
# Cheaper than the admin PIN's scrypt: a caller waits for this during a call.
_N, _R, _P = 2**13, 8, 1

# One party: a presented number, an extension's device, a client address.
CALLER_FREE_FAILURES = 2
CALLER_FIRST_LOCK_SECONDS = 30
# A trunk: every outside caller on it, so a few more honest slips before all of them wait.
TRUNK_FREE_FAILURES = 5
TRUNK_FIRST_LOCK_SECONDS = 60
# A target over all sources.
TARGET_FREE_FAILURES = 10
TARGET_FIRST_LOCK_SECONDS = 300
MAX_LOCK_SECONDS = 86400
# A level's count is forgotten once its last failure is this old.
CALLER_FORGET_SECONDS = TRUNK_FORGET_SECONDS = 7 * 86400
TARGET_FORGET_SECONDS = 86400
# The row key of the target level in pin_failures.source.
TARGET_KEY = "*"


class PinError(ValueError):
    """A PIN that is not acceptable; the message says what is."""


@dataclass(frozen=True)
class Guesser:
    """Who is keying a PIN: the presented number ('' when withheld) and where the attempt
    comes from ('trunk:NAME', 'ext:NUMBER', 'address:IP')."""
    number: str
    source: str

    @classmethod
    def of_call(cls, caller: str, auth_user: str, trunk: str) -> Guesser:
        if auth_user:
            # An office phone is known by its device; its number is no level of its own, or an
            # outside caller presenting "102" could lock extension 102 out.
            return cls("", f"ext:{auth_user}")
        number = caller if _PRESENTED.fullmatch(caller) else ""
        if trunk:
            return cls(number, f"trunk:{trunk}")
        # Neither a device nor a trunk (the edge should not let such a call in): one bucket.
        return cls(number, "unauthenticated")

    @classmethod
    def of_address(cls, address: str) -> Guesser:
        return cls("", f"address:{address}")


@dataclass(frozen=True)
class _Level:
    key: str
    free: int
    first_lock: int
    forget: int
    cleared_by_right_pin: bool


def _levels(guesser: Guesser, per_target: bool) -> list[_Level]:
    if guesser.source.startswith(("ext:", "address:")):
        levels = [_Level(guesser.source, CALLER_FREE_FAILURES, CALLER_FIRST_LOCK_SECONDS, CALLER_FORGET_SECONDS, True)]
    else:
        levels = [_Level(guesser.source, TRUNK_FREE_FAILURES, TRUNK_FIRST_LOCK_SECONDS, TRUNK_FORGET_SECONDS, True)]
    if guesser.number:
        levels.append(_Level(f"number:{guesser.number}", CALLER_FREE_FAILURES, CALLER_FIRST_LOCK_SECONDS,
                             CALLER_FORGET_SECONDS, True))
    if per_target:
        levels.append(_Level(TARGET_KEY, TARGET_FREE_FAILURES, TARGET_FIRST_LOCK_SECONDS, TARGET_FORGET_SECONDS,
                             False))
    return levels


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


def locked_for(db: sqlite_utils.Database, target: str, guesser: Guesser, now: datetime | None = None, *,
               per_target: bool = True) -> float:
    """Seconds this guesser must still wait before trying a PIN for this target (0 = may try):
    the longest lock of its number, its source and the target."""
    now = now or datetime.now(UTC)
    wait = 0.0
    for level in _levels(guesser, per_target):
        row = db.execute("SELECT locked_until FROM pin_failures WHERE scope = ? AND source = ?",
                         [target, level.key]).fetchone()
        if row is not None and row[0]:
            wait = max(wait, (datetime.fromisoformat(row[0]) - now).total_seconds())
    return wait


def try_pin(db: sqlite_utils.Database, target: str, guesser: Guesser, stored: str, pin: str,
            now: datetime | None = None, *, per_target: bool = True) -> bool:
    """True if `pin` is right and the guesser is not locked out; counts the attempt. For code
    that is not on the brain's event loop (the HTTP API's worker threads); calls use
    try_pin_off_loop."""
    now = now or datetime.now(UTC)
    locks = _begin(db, target, guesser, now, per_target)
    if locks is None:
        return False
    ok = bool(stored) and pin_matches(stored, pin)
    if ok:
        _right(db, target, guesser, per_target, locks)
    return ok


def _first_match(candidates: Sequence[str], pin: str) -> int | None:
    for index, stored in enumerate(candidates):
        if stored and pin_matches(stored, pin):
            return index
    return None


async def which_pin_off_loop(db: sqlite_utils.Database, target: str, guesser: Guesser,
                             candidates: Sequence[str], pin: str, now: datetime | None = None) -> int | None:
    """The index of the stored hash `pin` matches (a room's moderator and member PINs), None if
    none does or the guesser is locked out; one attempt is counted whatever the number of
    candidates. The scrypt comparisons (tens of milliseconds each, on purpose) run in a
    thread, so calls in progress are not held up by someone keying a PIN. The database is
    touched only from the loop's thread."""
    locks = _begin(db, target, guesser, now or datetime.now(UTC), True)
    if locks is None:
        return None
    index = await asyncio.to_thread(_first_match, list(candidates), pin)
    if index is not None:
        _right(db, target, guesser, True, locks)
    return index


async def try_pin_off_loop(db: sqlite_utils.Database, target: str, guesser: Guesser, stored: str, pin: str,
                           now: datetime | None = None) -> bool:
    """try_pin for the brain's event loop (see which_pin_off_loop)."""
    return await which_pin_off_loop(db, target, guesser, [stored], pin, now) is not None


async def try_check_off_loop(db: sqlite_utils.Database, target: str, guesser: Guesser, check: Callable[[], bool],
                             now: datetime | None = None) -> bool:
    """A PIN check of another kind (the admin PIN: its own file and scrypt cost) under the same
    levels and locks: refused while locked out, counted before `check` runs in a thread."""
    locks = _begin(db, target, guesser, now or datetime.now(UTC), True)
    if locks is None:
        return False
    ok = await asyncio.to_thread(check)
    if ok:
        _right(db, target, guesser, True, locks)
    return ok


def _begin(db: sqlite_utils.Database, target: str, guesser: Guesser, now: datetime,
           per_target: bool) -> dict[str, tuple[str, str]] | None:
    """None if the guesser is locked out; else the attempt is counted as a failure at every
    level before the PIN is compared, and the result says, per level, the lock before and the
    one this attempt set. Counting first means attempts running at the same time (parallel
    calls on one trunk) cannot all slip in under the free failures."""
    if locked_for(db, target, guesser, now, per_target=per_target) > 0:
        return None
    locks: dict[str, tuple[str, str]] = {}
    with write_transaction(db):
        for level in _levels(guesser, per_target):
            row = db.execute("SELECT failures, locked_until, last_failure_at FROM pin_failures "
                             "WHERE scope = ? AND source = ?", [target, level.key]).fetchone()
            failures = row[0] if row else 0
            if row and row[2] and now - datetime.fromisoformat(row[2]) > timedelta(seconds=level.forget):
                failures = 0
            failures += 1
            until = _lock_until(level, failures, now)
            locks[level.key] = (row[1] if row else "", until)
            db.execute("INSERT OR REPLACE INTO pin_failures (scope, source, failures, locked_until, last_failure_at) "
                       "VALUES (?, ?, ?, ?, ?)", [target, level.key, failures, until, now.isoformat()])
    return locks


def _lock_until(level: _Level, failures: int, now: datetime) -> str:
    if failures <= level.free:
        return ""
    seconds = min(MAX_LOCK_SECONDS, level.first_lock * 2 ** min(failures - level.free - 1, 32))
    return (now + timedelta(seconds=seconds)).isoformat()


def _right(db: sqlite_utils.Database, target: str, guesser: Guesser, per_target: bool,
           locks: dict[str, tuple[str, str]]) -> None:
    """The attempt was right: the guesser's own counts go; at the target level only this
    attempt is taken back, with the lock it set (the owner logging in must not give an
    attacker a fresh allowance, nor lock the target)."""
    with write_transaction(db):
        for level in _levels(guesser, per_target):
            if level.cleared_by_right_pin:
                db.execute("DELETE FROM pin_failures WHERE scope = ? AND source = ?", [target, level.key])
                continue
            before, set_by_this = locks.get(level.key, ("", ""))
            db.execute("UPDATE pin_failures SET failures = max(failures - 1, 0), "
                       "locked_until = CASE WHEN locked_until = ? THEN ? ELSE locked_until END "
                       "WHERE scope = ? AND source = ?", [set_by_this, before, target, level.key])
            db.execute("DELETE FROM pin_failures WHERE scope = ? AND source = ? AND failures = 0 AND locked_until = ''",
                       [target, level.key])


@dataclass(frozen=True)
class Failures:
    """One counter: a target at one level ('number:…', 'trunk:…', 'ext:…', 'address:…', or
    TARGET_KEY for the target over all sources)."""
    target: str
    level: str
    failures: int
    locked_seconds: float  # still to wait; 0 = not locked now
    last_failure_at: str


def all_failures(db: sqlite_utils.Database, now: datetime | None = None) -> list[Failures]:
    """Every counter, locked ones first, for the administrator."""
    now = now or datetime.now(UTC)
    found = [Failures(str(target), str(level), int(failures),
                      max(0.0, (datetime.fromisoformat(until) - now).total_seconds()) if until else 0.0,
                      str(last))
             for target, level, failures, until, last in db.execute(
                 "SELECT scope, source, failures, locked_until, last_failure_at FROM pin_failures "
                 "ORDER BY scope, source")]
    return sorted(found, key=lambda f: f.locked_seconds == 0)


def clear_failures(db: sqlite_utils.Database, target: str, level: str | None = None) -> int:
    """Forget a target's counters (all levels, or one): the administrator lifts a lock. How many went."""
    with write_transaction(db):
        if level is None:
            return db.execute("DELETE FROM pin_failures WHERE scope = ?", [target]).rowcount
        return db.execute("DELETE FROM pin_failures WHERE scope = ? AND source = ?", [target, level]).rowcount
