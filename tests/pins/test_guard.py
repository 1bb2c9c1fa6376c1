"""PINs: hashed, checked, and guessing stopped by a lockout that doubles and outlives restarts."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from firmware.pins.guard import (
    PinError,
    check_pin_format,
    hash_pin,
    locked_for,
    pin_matches,
    try_check_off_loop,
    try_pin,
)
from firmware.store.database import open_store

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("pin", ["", "123", "12345678901", "12a4", "1111", "1234", "9876", " 4826"])
def test_unacceptable_pins_are_refused_with_the_reason(pin: str) -> None:
    with pytest.raises(PinError, match="PIN"):
        check_pin_format(pin)


def test_hash_is_salted_and_verifies() -> None:
    first, second = hash_pin("4826"), hash_pin("4826")
    assert first != second and "4826" not in first
    assert pin_matches(first, "4826") and not pin_matches(first, "4827")
    assert not pin_matches("garbage", "4826") and not pin_matches("", "4826")


def test_wrong_pins_lock_out_longer_each_time_and_survive_a_restart(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    stored = hash_pin("4826")
    assert not try_pin(db, "disa:main", "5550001", stored, "0000", now=NOW)
    assert not try_pin(db, "disa:main", "5550001", stored, "0001", now=NOW)
    assert locked_for(db, "disa:main", "5550001", now=NOW) == 0  # two free mistakes
    assert not try_pin(db, "disa:main", "5550001", stored, "0002", now=NOW)
    assert locked_for(db, "disa:main", "5550001", now=NOW) == 30
    # Locked: even the right PIN is refused, and another caller is not affected.
    assert not try_pin(db, "disa:main", "5550001", stored, "4826", now=NOW + timedelta(seconds=10))
    assert try_pin(db, "disa:main", "5550002", stored, "4826", now=NOW)
    later = NOW + timedelta(seconds=31)
    assert not try_pin(db, "disa:main", "5550001", stored, "0003", now=later)
    db.conn.close()
    reopened = open_store(tmp_path)
    assert locked_for(reopened, "disa:main", "5550001", now=later) == 60
    after = later + timedelta(seconds=61)
    assert try_pin(reopened, "disa:main", "5550001", stored, "4826", now=after)
    assert locked_for(reopened, "disa:main", "5550001", now=after) == 0


def test_another_kind_of_pin_check_runs_in_a_thread_under_the_same_lockout(tmp_path: Path) -> None:
    import asyncio
    import threading

    db = open_store(tmp_path)
    threads: list[str] = []

    def check(right: bool) -> bool:
        threads.append(threading.current_thread().name)
        return right

    async def tries() -> list[bool]:
        return [await try_check_off_loop(db, "admin-pin", "101", lambda: check(False)) for _ in range(3)] + [
            await try_check_off_loop(db, "admin-pin", "101", lambda: check(True))]

    assert asyncio.run(tries()) == [False, False, False, False]
    # The third failure locked 101 out: the fourth, right, check was not even run.
    assert len(threads) == 3 and threading.main_thread().name not in threads
    assert locked_for(db, "admin-pin", "101") > 0 and locked_for(db, "admin-pin", "102") == 0
