"""Class of service: which call classes an extension may dial, per mode."""
from __future__ import annotations

import sqlite_utils

from firmware.dialplan.call_classes import CLASSES

# Rights that are not call classes but live in the same profile.
PERMISSIONS = ("modes",)


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
    wanted = [c.strip() for c in classes.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in CLASSES + PERMISSIONS]
    if unknown or not wanted:
        raise CosError(f"call class(es) {', '.join(unknown) or '(none)'} not accepted; use: "
                       f"{', '.join(CLASSES + PERMISSIONS)}")
    db.execute("INSERT OR REPLACE INTO cos_profiles (name, classes) VALUES (?, ?)", [name, ",".join(wanted)])


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
