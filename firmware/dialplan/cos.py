"""Class of service: which call classes an extension may dial, per mode."""
from __future__ import annotations

import re

import sqlite_utils

from firmware.apps.references import refuse_if_used
from firmware.dialplan.call_classes import CLASSES
from firmware.store.database import write_transaction

# Rights that are not call classes but live in the same profile.
PERMISSIONS = ("modes", "door")  # door: open a door with *55 from an idle phone
# What a new extension (the column's default) and a new queue's callbacks get: never removed.
DEFAULT_PROFILE = "national"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")


class CosError(ValueError):
    pass


def profiles(db: sqlite_utils.Database) -> dict[str, frozenset[str]]:
    return {name: frozenset(c for c in classes.split(",") if c)
            for name, classes in db.execute("SELECT name, classes FROM cos_profiles").fetchall()}


def check_profile(db: sqlite_utils.Database, name: str) -> str:
    known = profiles(db)
    if name not in known:
        raise CosError(f"class of service {name!r} is not known; use one of: {', '.join(sorted(known))}")
    return name


def set_profile(db: sqlite_utils.Database, name: str, classes: str) -> None:
    if not _NAME.fullmatch(name):
        raise CosError(f"class of service name {name!r} is not accepted; use up to 32 letters, digits, '_', '.' "
                       "or '-', starting with a letter or digit (e.g. sales)")
    wanted = [c.strip() for c in classes.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in CLASSES + PERMISSIONS]
    if unknown or not wanted:
        raise CosError(f"call class(es) {', '.join(unknown) or '(none)'} not accepted; use: "
                       f"{', '.join(CLASSES + PERMISSIONS)}")
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO cos_profiles (name, classes) VALUES (?, ?)", [name, ",".join(wanted)])


def where_used(db: sqlite_utils.Database, name: str) -> list[str]:
    """Who dials with the class of service `name`: extensions (always or in a mode), menus, queue callbacks."""
    uses = [f"extension {n}" for (n,) in db.execute(
        "SELECT number FROM extensions WHERE cos = ? ORDER BY number", [name]).fetchall()]
    uses += [f"{'everyone' if n == '*' else 'extension ' + str(n)} in {m} mode" for n, m in db.execute(
        "SELECT number, mode FROM mode_cos WHERE cos = ? ORDER BY number, mode", [name]).fetchall()]
    uses += [f"voice menu {m} (dialling out)" for (m,) in db.execute(
        "SELECT name FROM ivr_menus WHERE outside_cos = ? ORDER BY name", [name]).fetchall()]
    uses += [f"queue {q} (callbacks)" for (q,) in db.execute(
        "SELECT name FROM queues WHERE callback_profile = ? ORDER BY name", [name]).fetchall()]
    return uses


def remove_profile(db: sqlite_utils.Database, name: str) -> None:
    """Delete a class of service nobody dials with (refused naming who still does)."""
    if name == DEFAULT_PROFILE:
        raise CosError(f"class of service {name} cannot be removed: new extensions and queue callbacks get it; "
                       "change what it allows instead")
    with write_transaction(db):
        check_profile(db, name)
        refuse_if_used(name, where_used(db, name), f"class of service {name}", CosError)
        db.execute("DELETE FROM cos_profiles WHERE name = ?", [name])


def effective_profile(db: sqlite_utils.Database, number: str, mode: str) -> str:
    """Extension + mode, else everyone + mode, else the extension's own COS."""
    for who in (number, "*"):
        row = db.execute("SELECT cos FROM mode_cos WHERE number = ? AND mode = ?", [who, mode]).fetchone()
        if row:
            return str(row[0])
    row = db.execute("SELECT cos FROM extensions WHERE number = ?", [number]).fetchone()
    return str(row[0]) if row else "internal"


def allowed(db: sqlite_utils.Database, number: str, mode: str, call_class: str) -> bool:
    return call_class in profiles(db).get(effective_profile(db, number, mode), frozenset())


def has_right(db: sqlite_utils.Database, number: str, right: str, mode: str) -> bool:
    """Extension `number` may use `right` (one of PERMISSIONS) in `mode`: its class of service then
    has it, or it holds the admin role."""
    row = db.execute("SELECT role FROM extensions WHERE number = ?", [number]).fetchone()
    if row is None:
        return False
    return str(row[0]) == "admin" or allowed(db, number, mode, right)
