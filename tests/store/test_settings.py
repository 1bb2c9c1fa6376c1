"""Settings: defaults, accepted ranges, and the one setting that is fixed."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from firmware.store.database import open_store
from firmware.store.settings import SETTINGS, SettingError, get_setting, set_setting


def test_defaults_before_anything_is_set(db: sqlite_utils.Database) -> None:
    assert get_setting(db, "ring_timeout") == 30
    assert get_setting(db, "country") == "EU"
    assert get_setting(db, "sip_realm") == "minipbx"


def test_a_value_set_is_kept_across_reopening(db: sqlite_utils.Database, data_dir: Path) -> None:
    assert set_setting(db, "ring_timeout", "45") == 45
    set_setting(db, "country", "UK")
    db.conn.close()
    again = open_store(data_dir)
    assert get_setting(again, "ring_timeout") == 45
    assert get_setting(again, "country") == "UK"


@pytest.mark.parametrize(("key", "value"), [("ring_timeout", "5"), ("ring_timeout", "300"),
                                            ("ban_after_failures", "2"), ("ban_seconds", "86400")])
def test_values_at_the_ends_of_a_range_are_accepted(db: sqlite_utils.Database, key: str, value: str) -> None:
    assert set_setting(db, key, value) == int(value)
    assert get_setting(db, key) == int(value)


@pytest.mark.parametrize(
    ("key", "value", "accepted"),
    [
        ("ring_timeout", "4", "a whole number of seconds 5-300"),
        ("ring_timeout", "2", "a whole number of seconds 5-300"),
        ("ring_timeout", "301", "a whole number of seconds 5-300"),
        ("ring_timeout", "ten", "a whole number of seconds 5-300"),
        ("ring_timeout", "7.5", "a whole number of seconds 5-300"),
        ("ring_timeout", "", "a whole number of seconds 5-300"),
        ("ban_after_failures", "1", "a whole number 2-100"),
        ("ban_seconds", "86401", "a whole number of seconds 30-86400"),
        ("country", "DE", "EU, US or UK"),
        ("country", "eu", "EU, US or UK"),
    ],
)
def test_out_of_range_value_is_refused_naming_value_and_range(
    db: sqlite_utils.Database, key: str, value: str, accepted: str
) -> None:
    before = get_setting(db, key)
    with pytest.raises(SettingError) as info:
        set_setting(db, key, value)
    assert str(info.value) == f"{key} = {value!r} is not accepted; use {accepted}"
    assert get_setting(db, key) == before


def test_unknown_key_is_refused_listing_the_known_ones(db: sqlite_utils.Database) -> None:
    with pytest.raises(SettingError) as info:
        set_setting(db, "ringtimeout", "30")
    message = str(info.value)
    assert "unknown setting 'ringtimeout'" in message
    assert all(key in message for key in SETTINGS)
    assert db.execute("SELECT COUNT(*) FROM settings").fetchone()[0] == 0
    with pytest.raises(SettingError, match="unknown setting 'nope'"):
        get_setting(db, "nope")


@pytest.mark.parametrize("value", ["minipbx", "example.com", ""])
def test_sip_realm_cannot_be_changed(db: sqlite_utils.Database, value: str) -> None:
    with pytest.raises(SettingError, match="sip_realm cannot be changed: every SIP password is hashed"):
        set_setting(db, "sip_realm", value)
    assert get_setting(db, "sip_realm") == "minipbx"
