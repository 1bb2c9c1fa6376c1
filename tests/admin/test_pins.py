"""The administrator sees who is locked out of which PIN target and lifts a lock, as the CLI
(and the API) ask for it; the caller may then try again."""
from __future__ import annotations

from pathlib import Path

import pytest

from firmware.admin import pins
from firmware.admin.context import Admin, audit_log
from firmware.admin.errors import NotFound
from firmware.pins.guard import TARGET_FREE_FAILURES, Guesser, hash_pin, locked_for, try_pin
from firmware.store.database import open_store
from tests.cli.conftest import Cli

STORED = hash_pin("4826")


@pytest.fixture
def admin(tmp_path: Path) -> Admin:
    return Admin(open_store(tmp_path), tmp_path)


def test_a_room_locked_for_everyone_is_listed_and_unlocked(admin: Admin) -> None:
    for n in range(TARGET_FREE_FAILURES + 1):
        try_pin(admin.db, "conf:800", Guesser("", f"trunk:t{n}"), STORED, "0000")
    listed = pins.failures(admin)
    assert listed[0].target == "conf:800" and listed[0].level == "*" and listed[0].locked_seconds > 0
    assert {f.level for f in listed} == {"*", *(f"trunk:t{n}" for n in range(TARGET_FREE_FAILURES + 1))}
    owner = Guesser("101", "ext:101")
    assert locked_for(admin.db, "conf:800", owner) > 0
    assert pins.unlock(admin, "conf:800", "*") == 1
    assert locked_for(admin.db, "conf:800", owner) == 0 and try_pin(admin.db, "conf:800", owner, STORED, "4826")
    assert audit_log(admin.db)[0].action == "pin.unlock"
    assert pins.unlock(admin, "conf:800") == TARGET_FREE_FAILURES + 1
    assert pins.failures(admin) == []


def test_unlocking_what_is_not_counted_is_refused_naming_what_is(admin: Admin) -> None:
    try_pin(admin.db, "voicemail:101", Guesser("0301234567", "trunk:prov"), STORED, "0000")
    with pytest.raises(NotFound, match=r"no PIN failures are counted for voicemail:101 at level trunk:other; "
                                       r"counted: voicemail:101 \*, voicemail:101 number:0301234567, "
                                       r"voicemail:101 trunk:prov"):
        pins.unlock(admin, "voicemail:101", "trunk:other")
    with pytest.raises(NotFound, match="no PIN failures are counted for disa:main; see `minipbx pin failures`"):
        pins.unlock(admin, "disa:main")
    assert audit_log(admin.db) == []


def test_the_command_line_lists_and_unlocks(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data", tmp_path)
    assert cli.ok("pin", "failures") == "no wrong PINs are counted\n"
    db = open_store(tmp_path / "data")
    for _ in range(3):
        try_pin(db, "voicemail:101", Guesser("0301234567", "trunk:prov"), STORED, "0000")
    shown = cli.ok("pin", "failures").splitlines()
    assert shown[0].split() == ["TARGET", "LEVEL", "FAILURES", "LOCKED", "FOR", "LAST", "FAILURE", "(UTC)"]
    target, level, failures, locked_for = shown[1].split()[:4]
    assert (target, level, failures) == ("voicemail:101", "number:0301234567", "3")
    # Locked for 30 s from the third failure: the seconds left, counted down while the CLI starts.
    assert 20 <= int(locked_for) <= 30
    assert cli.ok("pin", "unlock", "voicemail:101") == ("voicemail:101: 3 failure counts cleared; "
                                                        "it may be tried again\n")
    assert "no PIN failures are counted for voicemail:101" in cli.fails("pin", "unlock", "voicemail:101")
