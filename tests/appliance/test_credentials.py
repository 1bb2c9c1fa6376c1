"""The admin PIN: random per box, stored only as a hash, checked in constant time."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from firmware.appliance.credentials import (
    PIN_FILE,
    CredentialError,
    generate_pin,
    store_admin_pin,
    verify_admin_pin,
)


def test_pins_are_eight_random_digits() -> None:
    pins = {generate_pin() for _ in range(200)}
    assert all(len(p) == 8 and p.isdigit() for p in pins)
    assert len(pins) == 200  # never a shared default


def test_only_a_hash_is_stored_and_it_verifies(tmp_path: Path) -> None:
    path = store_admin_pin(tmp_path, "04711234", gid=os.getgid())
    text = path.read_text()
    assert "04711234" not in text
    assert json.loads(text)["scheme"] == "scrypt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert verify_admin_pin(tmp_path, "04711234")
    assert not verify_admin_pin(tmp_path, "04711235")
    assert not verify_admin_pin(tmp_path, "")


def test_a_new_pin_replaces_the_old_one(tmp_path: Path) -> None:
    store_admin_pin(tmp_path, "11111111")
    store_admin_pin(tmp_path, "22222222")
    assert verify_admin_pin(tmp_path, "22222222")
    assert not verify_admin_pin(tmp_path, "11111111")
    assert sorted(p.name for p in tmp_path.iterdir()) == [PIN_FILE]  # no temporary file left


def test_same_pin_hashes_differently_on_two_boxes(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    store_admin_pin(tmp_path / "a", "12345678")
    store_admin_pin(tmp_path / "b", "12345678")
    assert (tmp_path / "a" / PIN_FILE).read_text() != (tmp_path / "b" / PIN_FILE).read_text()


def test_missing_or_damaged_pin_file_says_how_to_recover(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="minipbx-reset"):
        verify_admin_pin(tmp_path, "12345678")
    (tmp_path / PIN_FILE).write_text("{not json")
    with pytest.raises(CredentialError, match="damaged"):
        verify_admin_pin(tmp_path, "12345678")


def test_a_pin_must_be_digits() -> None:
    with pytest.raises(ValueError):
        store_admin_pin(Path("/nonexistent"), "12ab")
