"""Typed, validated settings kept in the `settings` table."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from firmware.store.database import write_transaction


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


def _timezone(value: str) -> object:
    from firmware.modes.timetable import TimetableError, check_timezone

    try:
        check_timezone(value)
    except TimetableError:
        raise ValueError from None
    return value


def _token(value: str) -> object:
    """A SIP header parameter value: no spaces, quotes or separators."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", value):
        raise ValueError
    return value


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
        Setting("timezone", "UTC", "time zone of the mode timetable", _timezone, "an IANA name such as Europe/Berlin"),
        Setting("extension_ranges", "100-899", "numbers extensions may have", str, "ranges such as 100-199,200-299"),
        Setting("outside_prefix", "0", "digit(s) dialled before an outside number", str, "1-2 digits, e.g. 0 or 9"),
        Setting("operator_number", "", "what people dial to reach the operator ('' = none)", str, "digits or ''"),
        Setting("operator_extension", "", "the extension that answers as operator", str, "an extension number"),
        Setting("emergency_numbers", "", "emergency numbers ('' = the country's: EU 112, US 911, UK 999,112)", str,
                "digits separated by commas, e.g. 112,110"),
        Setting("company_number", "", "outbound caller ID when neither extension nor trunk sets one", str,
                "a phone number"),
        Setting("analog_caller_id", "auto", "caller ID to analog phones: FSK, DTMF before the first ring, "
                "off, or auto (the country's usual one)", _choice("auto", "fsk", "dtmf", "off"),
                "auto, fsk, dtmf or off"),
        Setting("language", "en", "language of the system prompts callers hear", _choice("en", "de"), "en or de"),
        Setting("voicemail_max_seconds", "180", "longest voicemail message", _int_range(10, 3600),
                "a whole number of seconds 10-3600"),
        Setting("prompt_max_seconds", "300", "longest company greeting (upload or recording)", _int_range(5, 3600),
                "a whole number of seconds 5-3600"),
        Setting("min_free_mb", "50", "free space kept on the data partition; below it no message or greeting "
                "is recorded", _int_range(1, 100_000_000), "a whole number of MiB 1-100000000"),
        Setting("smtp_host", "", "mail server for voicemail e-mail ('' = no e-mail)", str, "a host name or address"),
        Setting("smtp_port", "25", "mail server port", _int_range(1, 65535), "a port 1-65535"),
        Setting("smtp_security", "starttls", "how to secure the mail connection",
                _choice("none", "starttls", "tls"), "none, starttls or tls"),
        Setting("smtp_user", "", "mail server login ('' = none)", str, "a user name"),
        Setting("smtp_password", "", "mail server password (never shown)", str, "a password"),
        Setting("smtp_from", "", "sender address of voicemail e-mail", str, "an e-mail address"),
        Setting("transfer_recall_seconds", "30", "seconds a blind-transferred call rings before it rings the "
                "transferrer again", _int_range(5, 600), "a whole number of seconds 5-600"),
        Setting("park_number", "700", "number a call is transferred to for parking ('' = no parking)", str,
                "digits, e.g. 700, or ''"),
        Setting("park_slots", "701-720", "numbers of the parking slots; dial one to take the call parked there",
                str, "a range such as 701-720"),
        Setting("park_timeout", "120", "seconds a parked call waits before it rings the parker again",
                _int_range(10, 3600), "a whole number of seconds 10-3600"),
        Setting("page_answer_seconds", "60", "seconds a call parked by page and park can be taken with *86 "
                "before it rings the parker again", _int_range(10, 600), "a whole number of seconds 10-600"),
        Setting("area_code", "", "local area code, put before local numbers when callers are matched",
                str, "digits, e.g. 030"),
        Setting("intercom_alert_info", "alert-autoanswer", "the Alert-Info info= value desk phones are set "
                "to answer by themselves on (*80 intercom; on a Polycom, set its alertInfo value to match)",
                _token, "letters, digits, '.', '_' or '-' (up to 40)"),
        Setting("three_way_end", "stay", "when whoever made a three-way call hangs up: the other two stay "
                "connected, or the call ends for all", _choice("stay", "end"), "stay or end"),
        Setting("conference_numbers", "800-809", "numbers conference rooms may have (`minipbx conf set`)", str,
                "ranges such as 800-809"),
        Setting("call_recording", "on_demand", "recording policy of extensions without one of their own "
                "(`minipbx recordings policy`)", _choice("always", "on_demand", "never"),
                "always, on_demand or never"),
        Setting("recording_beep", "yes", "both parties hear a short beep when *1 starts or stops a recording",
                _choice("yes", "no"), "yes or no"),
        Setting("recording_keep_days", "0", "call recordings older than this are deleted (0 = kept until "
                "recording_max_mb needs the room)", _int_range(0, 36500), "a whole number of days 0-36500"),
        Setting("recording_max_mb", "0", "call recordings kept in total; the oldest go first (0 = no limit)",
                _int_range(0, 100_000_000), "a whole number of MiB 0-100000000"),
        Setting("recording_min_keep_hours", "24", "no call recording younger than this is deleted by the limits",
                _int_range(0, 87600), "a whole number of hours 0-87600"),
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
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [key, value])
        if key in PLAN_KEYS or key == "country":
            # Checked as a whole, inside the transaction: a clash rolls the change back.
            from firmware.dialplan.plan import check_plan_in_store

            try:
                check_plan_in_store(db)
            except ValueError as exc:
                raise SettingError(f"{key} = {value!r} is not accepted: {exc}") from None
    return parsed


PLAN_KEYS = frozenset({"extension_ranges", "outside_prefix", "operator_number", "operator_extension",
                       "emergency_numbers", "park_number", "park_slots"})
