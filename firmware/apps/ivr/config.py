"""Voice menus as configured: a greeting, where each key leads, and what happens
when the caller presses nothing or keeps pressing wrong keys.

A menu is reached as `ivr:NAME`; an option may lead to another menu (`ivr:OTHER`)
or back to the same one. With `direct_dial` callers may key an extension number
during the greeting; with `outside_cos` they may also dial out (after the PIN,
if one is set), within that class of service.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

from firmware.apps.destinations import DestinationError, check_destination, parse_destination
from firmware.apps.references import refuse_if_used, where_used
from firmware.dialplan.cos import CosError, check_profile
from firmware.pins.guard import PinError, hash_pin
from firmware.prompts.catalog import NAMES as SYSTEM_PROMPTS
from firmware.store.database import write_transaction

# Where voice menus send calls (firmware/apps/references.py).
DESTINATION_USES = (
    "SELECT 'voice menu ' || menu || ' key ' || key FROM ivr_options WHERE destination = ?",
    "SELECT 'voice menu ' || name || ' default' FROM ivr_menus WHERE default_dest = ?",
)

KEYS = tuple("0123456789*#")
LANGUAGES = ("", "en", "de")
TIMEOUT_SECONDS = (1, 60)
MAX_INVALID = (1, 10)
# Company greetings recorded from a phone (*58 N, firmware/apps/phone_features.py).
_PHONE_SLOT = re.compile(r"greeting[0-9]{1,2}")


class IvrError(ValueError):
    """A voice menu setting that is not accepted; the message names the value and what is."""


@dataclass(frozen=True)
class Menu:
    name: str
    greeting: str  # prompt name (custom or system), '' = none
    timeout: int  # seconds of silence after the greeting before default_dest
    max_invalid: int  # wrong keys before default_dest (silence goes there at once)
    default_dest: str
    direct_dial: bool  # callers may key an extension number
    outside_cos: str  # '' = no outside dialling; else the class of service callers dial out with
    pin_hash: str  # '' = no PIN before outside dialling
    language: str  # '' = the system language
    options: dict[str, str]  # key ('0'-'9', '*', '#') -> destination


def get_menu(db: sqlite_utils.Database, name: str) -> Menu | None:
    row = db.execute("SELECT name, greeting, timeout, max_invalid, default_dest, direct_dial, outside_cos, pin_hash, "
                     "language FROM ivr_menus WHERE name = ?", [name]).fetchone()
    if row is None:
        return None
    options = {str(k): str(d) for k, d in db.execute(
        "SELECT key, destination FROM ivr_options WHERE menu = ?", [name]).fetchall()}
    return Menu(str(row[0]), str(row[1] or ""), int(row[2]), int(row[3]), str(row[4] or "hangup"), bool(row[5]),
                str(row[6] or ""), str(row[7] or ""), str(row[8] or ""),
                {key: options[key] for key in KEYS if key in options})


def list_menus(db: sqlite_utils.Database) -> list[Menu]:
    names = [str(n) for (n,) in db.execute("SELECT name FROM ivr_menus ORDER BY name").fetchall()]
    return [menu for name in names if (menu := get_menu(db, name)) is not None]


def set_menu(
    db: sqlite_utils.Database,
    name: str,
    *,
    greeting: str | None = None,
    timeout: int | None = None,
    max_invalid: int | None = None,
    default_dest: str | None = None,
    direct_dial: bool | None = None,
    outside_cos: str | None = None,
    pin: str | None = None,
    language: str | None = None,
) -> Menu:
    """Create the menu or change what is given (None keeps the current value; pin '' removes the PIN)."""
    _check_name(name)
    with write_transaction(db):
        current = get_menu(db, name) or Menu(name, "", 5, 3, "hangup", True, "", "", "", {})
        row = {
            "name": name,
            "greeting": current.greeting if greeting is None else _check_greeting(db, greeting),
            "timeout": current.timeout if timeout is None else _check_count(
                "timeout", timeout, TIMEOUT_SECONDS, "a whole number of seconds"),
            "max_invalid": current.max_invalid if max_invalid is None else _check_count(
                "max-invalid", max_invalid, MAX_INVALID, "a whole number"),
            "default_dest": current.default_dest if default_dest is None else _check_default(db, name, default_dest),
            "direct_dial": int(current.direct_dial if direct_dial is None else bool(direct_dial)),
            "outside_cos": current.outside_cos if outside_cos is None else _check_cos(db, outside_cos),
            "pin_hash": current.pin_hash if pin is None else _pin_hash(name, pin),
            "language": current.language if language is None else _check_language(language),
        }
        db.execute(
            "INSERT INTO ivr_menus (name, greeting, timeout, max_invalid, default_dest, direct_dial, outside_cos, "
            "pin_hash, language) VALUES (:name, :greeting, :timeout, :max_invalid, :default_dest, :direct_dial, "
            ":outside_cos, :pin_hash, :language) ON CONFLICT(name) DO UPDATE SET greeting = excluded.greeting, "
            "timeout = excluded.timeout, max_invalid = excluded.max_invalid, default_dest = excluded.default_dest, "
            "direct_dial = excluded.direct_dial, outside_cos = excluded.outside_cos, pin_hash = excluded.pin_hash, "
            "language = excluded.language", row)
    return _menu(db, name)


def set_option(db: sqlite_utils.Database, menu: str, key: str, destination: str) -> Menu:
    """Key `key` in `menu` leads to `destination` (any destination, including ivr:OTHER or the menu itself)."""
    with write_transaction(db):
        _existing(db, menu)
        db.execute("INSERT OR REPLACE INTO ivr_options (menu, key, destination) VALUES (?, ?, ?)",
                   [menu, key, _check_option(db, menu, key, destination)])
    return _menu(db, menu)


def replace_options(db: sqlite_utils.Database, menu: str, options: dict[str, str]) -> Menu:
    """The menu's keys become exactly `options` (key -> destination); all checked before any is written."""
    with write_transaction(db):
        _existing(db, menu)
        checked = [(key, _check_option(db, menu, key, destination)) for key, destination in options.items()]
        db.execute("DELETE FROM ivr_options WHERE menu = ?", [menu])
        db.conn.executemany("INSERT INTO ivr_options (menu, key, destination) VALUES (?, ?, ?)",
                            [(menu, key, destination) for key, destination in checked])
    return _menu(db, menu)


def remove_option(db: sqlite_utils.Database, menu: str, key: str) -> Menu:
    with write_transaction(db):
        _existing(db, menu)
        _check_key(key)
        if not db.execute("SELECT 1 FROM ivr_options WHERE menu = ? AND key = ?", [menu, key]).fetchone():
            raise IvrError(f"voice menu {menu} has no option for key {key}; see `ivr show {menu}`")
        db.execute("DELETE FROM ivr_options WHERE menu = ? AND key = ?", [menu, key])
    return _menu(db, menu)


def remove_menu(db: sqlite_utils.Database, name: str) -> None:
    """Delete a menu and its options, unless a route, another menu, a group or forwarding still leads to it."""
    with write_transaction(db):
        _existing(db, name)
        # Its own options (e.g. '*' repeats the menu) go with it and do not hold it; a refusal rolls this back.
        db.execute("DELETE FROM ivr_options WHERE menu = ?", [name])
        refuse_if_used(f"ivr:{name}", where_used(db, f"ivr:{name}"), f"voice menu {name}", IvrError)
        db.execute("DELETE FROM ivr_menus WHERE name = ?", [name])


# ---- validation ---------------------------------------------------------------------------
def _menu(db: sqlite_utils.Database, name: str) -> Menu:
    menu = get_menu(db, name)
    assert menu is not None
    return menu


def _existing(db: sqlite_utils.Database, name: str) -> None:
    if not db.execute("SELECT 1 FROM ivr_menus WHERE name = ?", [name]).fetchone():
        raise IvrError(f"voice menu {name} does not exist; see `ivr list`")


def _check_name(name: str) -> None:
    try:
        parse_destination(f"ivr:{name}")
    except DestinationError:
        raise IvrError(f"voice menu name {name!r} is not accepted; use up to 40 letters, digits, '_', '.', '-', "
                       "starting with a letter or digit (e.g. main)") from None


def _check_key(key: str) -> None:
    if key not in KEYS:
        raise IvrError(f"key {key!r} is not accepted; use one of 0-9, * or #")


def _check_option(db: sqlite_utils.Database, menu: str, key: str, destination: str) -> str:
    _check_key(key)
    try:
        return check_destination(db, destination)
    except DestinationError as exc:
        raise IvrError(f"voice menu {menu}, key {key}: {exc}") from None


def _check_greeting(db: sqlite_utils.Database, greeting: str) -> str:
    greeting = greeting.strip()
    if not greeting or db.execute("SELECT 1 FROM custom_prompts WHERE name = ?", [greeting]).fetchone():
        return greeting
    # A misspelt name would leave callers with the plain "welcome": say so now. Slots that a
    # phone records with *58 (greeting1, greeting2, ...) may be named before they are recorded.
    if greeting not in SYSTEM_PROMPTS and not _PHONE_SLOT.fullmatch(greeting):
        raise IvrError(f"greeting {greeting!r} is not accepted; use the name of a recorded or system prompt "
                       "(uploaded ones: `prompt list`; upload a company greeting first with `prompt upload NAME FILE`; "
                       "system prompts: e.g. welcome; greetingN: the one recorded with *58 N), or '' for none")
    return greeting


def _check_count(what: str, value: int, bounds: tuple[int, int], unit: str) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise IvrError(f"{what} {value!r} is not accepted; use {unit} {low}-{high}")
    return value


def _check_default(db: sqlite_utils.Database, name: str, destination: str) -> str:
    try:
        checked = check_destination(db, destination)
    except DestinationError as exc:
        raise IvrError(f"voice menu {name}, default {exc}") from None
    if checked == f"ivr:{name}":
        raise IvrError(f"voice menu {name}: default destination {checked} is the menu itself, so callers would "
                       "never leave it; use another destination, e.g. ext:NUMBER or hangup")
    return checked


def _check_cos(db: sqlite_utils.Database, cos: str) -> str:
    cos = cos.strip()
    if not cos:
        return ""
    try:
        return check_profile(db, cos)
    except CosError as exc:
        raise IvrError(f"outside dialling: {exc}, or '' for none") from None


def _pin_hash(name: str, pin: str) -> str:
    if not pin:
        return ""
    try:
        return hash_pin(pin)
    except PinError as exc:
        raise IvrError(f"voice menu {name}: {exc}") from None


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise IvrError(f"language {language!r} is not accepted; use en, de, or '' for the system language")
    return language
