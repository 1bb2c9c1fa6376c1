"""PINs: hashed, checked off the event loop, and guessing stopped per presented number, per
source and per target by locks that double and outlive restarts."""
from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from firmware.pins import guard
from firmware.pins.guard import (
    CALLER_FREE_FAILURES,
    MAX_LOCK_SECONDS,
    TARGET_FIRST_LOCK_SECONDS,
    TARGET_FREE_FAILURES,
    TRUNK_FIRST_LOCK_SECONDS,
    TRUNK_FREE_FAILURES,
    Guesser,
    PinError,
    check_pin_format,
    hash_pin,
    locked_for,
    pin_matches,
    try_check_off_loop,
    try_pin,
    try_pin_off_loop,
    which_pin_off_loop,
)
from firmware.store.database import open_store

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TARGET = "voicemail:101"
STORED = hash_pin("4826")


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    return open_store(tmp_path)


@pytest.mark.parametrize("pin", ["", "123", "12345678901", "12a4", "1111", "1234", "9876", " 4826"])
def test_unacceptable_pins_are_refused_with_the_reason(pin: str) -> None:
    with pytest.raises(PinError, match="PIN"):
        check_pin_format(pin)


def test_hash_is_salted_and_verifies() -> None:
    first, second = hash_pin("4826"), hash_pin("4826")
    assert first != second and "4826" not in first
    assert pin_matches(first, "4826") and not pin_matches(first, "4827")
    assert not pin_matches("garbage", "4826") and not pin_matches("", "4826")


@pytest.mark.parametrize(("caller", "auth_user", "trunk", "expected"), [
    ("0301234567", "", "prov", Guesser("0301234567", "trunk:prov")),
    ("+49301234567", "", "prov", Guesser("+49301234567", "trunk:prov")),
    ("anonymous", "", "prov", Guesser("", "trunk:prov")),
    ("", "", "prov", Guesser("", "trunk:prov")),
    ("102", "102", "", Guesser("", "ext:102")),
])
def test_a_call_is_counted_by_its_number_and_its_trunk_or_device(caller: str, auth_user: str, trunk: str,
                                                                expected: Guesser) -> None:
    assert Guesser.of_call(caller, auth_user, trunk) == expected


def test_wrong_pins_lock_a_number_out_longer_each_time_and_survive_a_restart(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    caller = Guesser("5550001", "trunk:prov")
    assert not try_pin(db, TARGET, caller, STORED, "0000", now=NOW)
    assert not try_pin(db, TARGET, caller, STORED, "0001", now=NOW)
    assert locked_for(db, TARGET, caller, now=NOW) == 0  # two free mistakes
    assert not try_pin(db, TARGET, caller, STORED, "0002", now=NOW)
    assert locked_for(db, TARGET, caller, now=NOW) == 30
    # Locked: even the right PIN is refused, and another number on the same trunk is not affected.
    assert not try_pin(db, TARGET, caller, STORED, "4826", now=NOW + timedelta(seconds=10))
    assert try_pin(db, TARGET, Guesser("5550002", "trunk:prov"), STORED, "4826", now=NOW)
    later = NOW + timedelta(seconds=31)
    assert not try_pin(db, TARGET, caller, STORED, "0003", now=later)
    db.conn.close()
    reopened = open_store(tmp_path)
    assert locked_for(reopened, TARGET, caller, now=later) == 60
    after = later + timedelta(seconds=61)
    assert try_pin(reopened, TARGET, caller, STORED, "4826", now=after)
    assert locked_for(reopened, TARGET, caller, now=after) == 0


def test_rotating_the_presented_number_on_one_trunk_gets_the_trunk_locked(db: sqlite_utils.Database) -> None:
    for n in range(TRUNK_FREE_FAILURES):
        assert not try_pin(db, TARGET, Guesser(f"55500{n:02}", "trunk:prov"), STORED, "0000", now=NOW)
    fresh = Guesser("5559999", "trunk:prov")
    assert locked_for(db, TARGET, fresh, now=NOW) == 0
    assert not try_pin(db, TARGET, fresh, STORED, "0000", now=NOW)
    # Every number on that trunk now waits, and so does a withheld one, even with the right PIN.
    assert locked_for(db, TARGET, Guesser("5558888", "trunk:prov"), now=NOW) == TRUNK_FIRST_LOCK_SECONDS
    assert not try_pin(db, TARGET, Guesser("5558888", "trunk:prov"), STORED, "4826", now=NOW)
    assert not try_pin(db, TARGET, Guesser("", "trunk:prov"), STORED, "4826", now=NOW)
    # Another trunk, and another mailbox on this one, are not touched.
    assert try_pin(db, TARGET, Guesser("5558888", "trunk:sipgate"), STORED, "4826", now=NOW)
    assert try_pin(db, "voicemail:102", Guesser("5558888", "trunk:prov"), STORED, "4826", now=NOW)


def test_other_sources_may_try_until_the_target_is_locked_for_everyone(db: sqlite_utils.Database) -> None:
    # Each source stays under its own limit; together they reach the target's.
    sources = [f"trunk:t{n}" for n in range(TARGET_FREE_FAILURES)]
    for source in sources:
        assert not try_pin(db, TARGET, Guesser("", source), STORED, "0000", now=NOW)
    assert locked_for(db, TARGET, Guesser("", "trunk:t0"), now=NOW) == 0
    assert not try_pin(db, TARGET, Guesser("", "trunk:another"), STORED, "0000", now=NOW)
    # Now the mailbox is locked from anywhere: a new trunk, a known number, the right PIN.
    for guesser in (Guesser("", "trunk:new"), Guesser("0301234567", "trunk:prov"), Guesser("101", "ext:101")):
        assert locked_for(db, TARGET, guesser, now=NOW) == TARGET_FIRST_LOCK_SECONDS
        assert not try_pin(db, TARGET, guesser, STORED, "4826", now=NOW)
    assert try_pin(db, "voicemail:102", Guesser("", "trunk:new"), STORED, "4826", now=NOW)
    # The lock ends; a further wrong PIN doubles it.
    later = NOW + timedelta(seconds=TARGET_FIRST_LOCK_SECONDS + 1)
    assert not try_pin(db, TARGET, Guesser("", "trunk:newer"), STORED, "0000", now=later)
    assert locked_for(db, TARGET, Guesser("", "trunk:newest"), now=later) == 2 * TARGET_FIRST_LOCK_SECONDS


def test_withheld_callers_are_counted_per_source_not_together(db: sqlite_utils.Database) -> None:
    attacker, honest = Guesser("", "trunk:prov"), Guesser("", "trunk:sipgate")
    for _ in range(TRUNK_FREE_FAILURES + 2):
        try_pin(db, TARGET, attacker, STORED, "0000", now=NOW)
    assert locked_for(db, TARGET, attacker, now=NOW) > 0
    assert try_pin(db, TARGET, honest, STORED, "4826", now=NOW)


def test_a_right_pin_clears_its_own_counts_but_not_the_targets(db: sqlite_utils.Database) -> None:
    owner = Guesser("0301234567", "trunk:prov")
    for _ in range(CALLER_FREE_FAILURES):
        assert not try_pin(db, TARGET, owner, STORED, "0000", now=NOW)
    for n in range(TARGET_FREE_FAILURES - CALLER_FREE_FAILURES - 1):
        assert not try_pin(db, TARGET, Guesser("", f"trunk:t{n}"), STORED, "0000", now=NOW)
    assert try_pin(db, TARGET, owner, STORED, "4826", now=NOW)
    # The owner has all their free mistakes again...
    for _ in range(CALLER_FREE_FAILURES):
        try_pin(db, TARGET, Guesser("0301234567", "trunk:prov"), STORED, "0000", now=NOW + timedelta(seconds=1))
    assert locked_for(db, TARGET, owner, now=NOW + timedelta(seconds=1)) > 0  # ...but the target's count went on
    assert locked_for(db, TARGET, Guesser("", "trunk:other"), now=NOW + timedelta(seconds=1)) > 0


def test_a_right_pin_at_the_targets_limit_does_not_lock_the_target(db: sqlite_utils.Database) -> None:
    for n in range(TARGET_FREE_FAILURES):
        try_pin(db, TARGET, Guesser("", f"trunk:t{n}"), STORED, "0000", now=NOW)
    assert try_pin(db, TARGET, Guesser("101", "ext:101"), STORED, "4826", now=NOW)
    assert locked_for(db, TARGET, Guesser("", "trunk:other"), now=NOW) == 0


def test_counts_are_forgotten_after_a_quiet_week_and_locks_are_capped(db: sqlite_utils.Database) -> None:
    caller = Guesser("5550001", "ext:102")
    for n in range(40):
        try_pin(db, TARGET, caller, STORED, "0000", now=NOW + timedelta(days=2 * n))
    assert locked_for(db, TARGET, caller, now=NOW + timedelta(days=80)) <= MAX_LOCK_SECONDS
    week_later = NOW + timedelta(days=78 + 8)
    assert try_pin(db, TARGET, caller, STORED, "0000", now=week_later) is False
    assert locked_for(db, TARGET, caller, now=week_later) == 0  # a first mistake again


def test_the_old_locks_are_kept_when_the_database_is_upgraded(tmp_path: Path) -> None:
    from firmware.store.migrations import MIGRATIONS

    db = sqlite_utils.Database(tmp_path / "old.db")
    # The database as it was before the PIN levels came, then that upgrade and the later ones.
    levels = next(n for n, migration in enumerate(MIGRATIONS) if migration.__name__ == "_pin_levels")
    for migration in MIGRATIONS[:levels]:
        migration(db)
    until = (NOW + timedelta(hours=1)).isoformat()
    db["pin_failures"].insert_all([
        {"scope": TARGET, "source": "0301234567", "failures": 5, "locked_until": until},
        {"scope": "web-login", "source": "192.0.2.7", "failures": 5, "locked_until": until},
        {"scope": TARGET, "source": "anonymous", "failures": 9, "locked_until": until},
    ])
    for migration in MIGRATIONS[levels:]:
        migration(db)
    assert locked_for(db, TARGET, Guesser("0301234567", "trunk:prov"), now=NOW) == 3600
    assert locked_for(db, "web-login", Guesser.of_address("192.0.2.7"), now=NOW, per_target=False) == 3600
    assert locked_for(db, TARGET, Guesser("", "trunk:prov"), now=NOW) == 0


def test_five_pin_checks_at_once_leave_the_event_loop_running(db: sqlite_utils.Database,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Each comparison blocks its thread until the loop has shown it is alive while all five
    # are in progress. Compared on the loop, the first one would hold the loop (and fail).
    release, in_progress = threading.Event(), threading.Semaphore(0)
    real = guard.pin_matches

    def slow_pin_matches(stored: str, pin: str) -> bool:
        in_progress.release()
        return release.wait(timeout=10) and real(stored, pin)

    monkeypatch.setattr(guard, "pin_matches", slow_pin_matches)
    beats = 0

    async def heartbeat() -> None:
        nonlocal beats
        started = 0
        while started < 5:
            await asyncio.sleep(0.005)
            beats += 1
            while in_progress.acquire(blocking=False):
                started += 1
        await asyncio.sleep(0.005)
        beats += 1
        release.set()

    async def five_at_once() -> list[object]:
        callers = [Guesser(f"55500{n}", f"trunk:t{n}") for n in range(5)]
        pins = ["4826", "0000", "4826", "1357", "4826"]
        return await asyncio.gather(heartbeat(), *(try_pin_off_loop(db, TARGET, who, STORED, pin)
                                                   for who, pin in zip(callers, pins, strict=True)))

    results = asyncio.run(five_at_once())
    assert results[1:] == [True, False, True, False, True]
    assert release.is_set() and beats >= 2


def test_attempts_in_flight_at_once_cannot_slip_under_the_limit(db: sqlite_utils.Database) -> None:
    caller = Guesser("5550001", "trunk:prov")

    async def five_at_once() -> list[bool]:
        return await asyncio.gather(*(try_pin_off_loop(db, TARGET, caller, STORED, pin)
                                      for pin in ["0000", "0001", "0002", "4826", "4826"]))

    results = asyncio.run(five_at_once())
    # The first three are counted before any comparison ends; the right PIN after them is refused.
    assert results == [False, False, False, False, False]
    assert locked_for(db, TARGET, caller) > 0


def test_one_pin_keyed_counts_once_against_a_rooms_two_pins(db: sqlite_utils.Database) -> None:
    caller = Guesser("5550001", "trunk:prov")
    pins = [hash_pin("7395"), hash_pin("4826")]  # moderator, member

    def which(pin: str) -> int | None:
        return asyncio.run(which_pin_off_loop(db, "conf:800", caller, pins, pin))

    assert which("4826") == 1 and which("7395") == 0
    for _ in range(CALLER_FREE_FAILURES):
        assert which("0000") is None
    assert locked_for(db, "conf:800", caller) == 0


def test_an_outside_caller_presenting_an_extensions_number_does_not_lock_that_extension_out(
        db: sqlite_utils.Database) -> None:
    spoofer = Guesser.of_call("102", "", "prov")
    for _ in range(CALLER_FREE_FAILURES + 1):
        try_pin(db, TARGET, spoofer, STORED, "0000", now=NOW)
    assert locked_for(db, TARGET, spoofer, now=NOW) > 0
    assert try_pin(db, TARGET, Guesser.of_call("102", "102", ""), STORED, "4826", now=NOW)


def test_another_kind_of_pin_check_runs_in_a_thread_under_the_same_levels(db: sqlite_utils.Database) -> None:
    threads: list[str] = []

    def check(right: bool) -> bool:
        threads.append(threading.current_thread().name)
        return right

    keypad = Guesser.of_call("101", "101", "")

    async def tries() -> list[bool]:
        return [await try_check_off_loop(db, "admin-pin", keypad, lambda: check(False)) for _ in range(3)] + [
            await try_check_off_loop(db, "admin-pin", keypad, lambda: check(True))]

    assert asyncio.run(tries()) == [False, False, False, False]
    # The third failure locked 101 out: the fourth, right, check was not even run.
    assert len(threads) == 3 and threading.main_thread().name not in threads
    assert locked_for(db, "admin-pin", keypad) > 0
    assert locked_for(db, "admin-pin", Guesser.of_call("102", "102", "")) == 0
