"""Typed, validated settings kept in the `settings` table."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils


class SettingError(ValueError):
    """An unknown key or a value outside what is accepted; the message says which."""


@dataclass(frozen=True)
class Setting:
    key: str
    default: str
    help: str
    parse: Callable[[str], object]
    accepted: str
    # Edge settings are written into Kamailio's config, which is rendered at start.
    at_next_start: bool = False


def _int_range(low: int, high: int) -> Callable[[str], object]:
    def parse(value: str) -> object:
        number = int(value)
        if not low <= number <= high:
            raise ValueError
        return number

    return parse


def _choice(*options: str) -> Callable[[str], object]:
    def parse(value: str) -> object:
        if value not in options:
            raise ValueError
        return value

    return parse


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("ring_timeout", "30", "seconds an extension rings before the call is given up",
                _int_range(5, 300), "a whole number of seconds 5-300"),
        Setting("country", "EU", "tone plan for ringback, busy and congestion tones",
                _choice("EU", "US", "UK"), "EU, US or UK"),
        Setting("sip_realm", "minipbx", "digest realm of SIP accounts (fixed when the database is made)",
                _choice("minipbx"), "minipbx"),
        Setting("ban_after_failures", "5", "failed SIP logins from one address before it is blocked",
                _int_range(2, 100), "a whole number 2-100", at_next_start=True),
        Setting("ban_seconds", "600", "how long a blocked address stays blocked",
                _int_range(30, 86400), "a whole number of seconds 30-86400", at_next_start=True),
    )
}


def _setting(key: str) -> Setting:
    setting = SETTINGS.get(key)
    if setting is None:
        raise SettingError(f"unknown setting {key!r}; known settings: {', '.join(sorted(SETTINGS))}")
    return setting


def parse_setting(key: str, value: str) -> object:
    setting = _setting(key)
    try:
        return setting.parse(value)
    except ValueError:
        raise SettingError(f"{key} = {value!r} is not accepted; use {setting.accepted}") from None


def get_setting(db: sqlite_utils.Database, key: str) -> object:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return parse_setting(key, row[0] if row else _setting(key).default)


def set_setting(db: sqlite_utils.Database, key: str, value: str) -> object:
    # Checked before the value, so any attempt gets the real reason, not "use minipbx".
    if key == "sip_realm":
        raise SettingError("sip_realm cannot be changed: every SIP password is hashed with it")
    parsed = parse_setting(key, value)
    db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [key, value])
    return parsed
