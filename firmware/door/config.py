"""Door stations as configured: where a visitor's ring goes in each operating mode, the code
that opens the lock, how long it opens and how long a visitor's call rings.

A door is the board's door port (`[door.door1]` in the board file); its extension is the
one the line gateway made for the port (`ext list` shows the device). A door without
settings of its own rings the operator extension, opens with `*5` for 5 s and rings 30 s.
Every opening is logged here: who, when, which door, how (in a call, by code from an idle
phone, from the command line or the API).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

from firmware.apps.destinations import DestinationError, check_destination
from firmware.modes.timetable import MODES
from firmware.store.database import write_transaction

# Where door calls go, per mode (firmware/apps/references.py).
DESTINATION_USES = ("SELECT 'door ' || door || ' (' || CASE mode WHEN '*' THEN 'other modes' ELSE mode END || ')' "
                    "FROM door_routes WHERE destination = ? ORDER BY door, mode = '*', mode",)

# What a door station's line dials when its button is pressed: the brain decides where it goes.
DOOR_RING = "door"
OPEN_SECONDS = (1, 30)
RING_SECONDS = (5, 120)
DEFAULT_OPEN_CODE, DEFAULT_OPEN_SECONDS, DEFAULT_RING_SECONDS = "*5", 5, 30
# What opened a lock: a code pressed in a call with the door, *55 from an idle phone, the
# command line or the HTTP API.
HOW = ("call", "code", "cli", "api")
ALL_MODES = "*"
# An open code: * or # then one or two digits (kept short: it is pressed while talking).
_CODE = re.compile(r"[*#][0-9]{1,2}")


class DoorError(ValueError):
    """A door setting that is not accepted; the message names the value and what is."""


@dataclass(frozen=True)
class Door:
    name: str  # the port: door1
    extension: str  # the door station's extension number
    open_code: str
    open_seconds: int
    ring_seconds: int
    routes: tuple[tuple[str, str], ...]  # (mode or '*', destination), the mode's own first


@dataclass(frozen=True)
class Opening:
    at: str  # ISO, UTC
    door: str
    by: str  # an extension number, 'command line', 'admin', 'key:NAME'
    how: str  # call, code, cli, api
    seconds: int
    result: str  # '' = opened; else why not


# A door is a row of `doors` (the gateway adds it when it makes the port's extension) whose
# port still has its extension.
_DOORS = "SELECT d.name, e.number FROM doors d JOIN extensions e ON e.device = d.name"


def list_doors(db: sqlite_utils.Database) -> list[Door]:
    """Every door station the gateway has made an extension for, by name."""
    return [_door(db, str(name), str(number)) for name, number in db.execute(f"{_DOORS} ORDER BY d.name").fetchall()]


def get_door(db: sqlite_utils.Database, name: str) -> Door | None:
    row = db.execute(f"{_DOORS} WHERE d.name = ?", [name]).fetchone()
    return _door(db, name, str(row[1])) if row else None


def door_of_extension(db: sqlite_utils.Database, extension: str) -> Door | None:
    """The door whose station is `extension`, or None."""
    row = db.execute(f"{_DOORS} WHERE e.number = ?", [extension]).fetchone()
    return _door(db, str(row[0]), extension) if row else None


def add_door(db: sqlite_utils.Database, name: str) -> None:
    """The gateway made (or found) the extension of door port `name`: it is a door, with the
    defaults until set otherwise."""
    db.execute("INSERT OR IGNORE INTO doors (name) VALUES (?)", [name])


def find_door(db: sqlite_utils.Database, keyed: str) -> Door | None:
    """The door an idle phone names after *55: its extension number, or N for doorN."""
    return door_of_extension(db, keyed) or (get_door(db, f"door{keyed}") if keyed.isdigit() else None)


def _door(db: sqlite_utils.Database, name: str, extension: str) -> Door:
    row = db.execute("SELECT open_code, open_seconds, ring_seconds FROM doors WHERE name = ?", [name]).fetchone()
    routes = db.execute("SELECT mode, destination FROM door_routes WHERE door = ? "
                        "ORDER BY CASE mode WHEN '*' THEN 1 ELSE 0 END, mode", [name]).fetchall()
    return Door(name, extension, str(row[0]) if row else DEFAULT_OPEN_CODE,
                int(row[1]) if row else DEFAULT_OPEN_SECONDS, int(row[2]) if row else DEFAULT_RING_SECONDS,
                tuple((str(m), str(d)) for m, d in routes))


def destination(door: Door, mode: str) -> str:
    """Where a visitor's ring goes in `mode`: the mode's own route, else the one for every mode
    ('' = none set: the operator extension)."""
    routes = dict(door.routes)
    return routes.get(mode) or routes.get(ALL_MODES, "")


def set_door(db: sqlite_utils.Database, name: str, *, destination: str | None = None, mode: str = ALL_MODES,
             open_code: str | None = None, open_seconds: int | None = None,
             ring_seconds: int | None = None) -> Door:
    """Change what is given (None keeps it); `destination` for `mode` ('*' = every mode without
    a route of its own; '' removes the mode's route)."""
    door = get_door(db, name)
    if door is None:
        known = ", ".join(d.name for d in list_doors(db)) or "(none: the board has no door station)"
        raise DoorError(f"door {name!r} does not exist; the doors are: {known}")
    if mode != ALL_MODES and mode not in MODES:
        raise DoorError(f"mode {mode!r} is not known; use one of: {', '.join(MODES)}, or * for every mode")
    row = {
        "name": name,
        "open_code": door.open_code if open_code is None else _check_code(open_code),
        "open_seconds": _check_number("open time", open_seconds, door.open_seconds, OPEN_SECONDS),
        "ring_seconds": _check_number("ring time", ring_seconds, door.ring_seconds, RING_SECONDS),
    }
    checked = None if destination is None else _check_destination(db, door, destination)
    with write_transaction(db):
        db.table("doors").upsert(row, pk="name")
        if checked is not None:
            db.execute("DELETE FROM door_routes WHERE door = ? AND mode = ?", [name, mode])
            if checked:
                db.table("door_routes").insert({"door": name, "mode": mode, "destination": checked})
    found = get_door(db, name)
    assert found is not None
    return found


def log_opening(db: sqlite_utils.Database, door: str, by: str, how: str, seconds: int, result: str = "") -> Opening:
    at = datetime.now(UTC).isoformat(timespec="seconds")
    with write_transaction(db):
        db.table("door_log").insert({"at": at, "door": door, "by": by, "how": how, "seconds": seconds,
                                     "result": result})
    return Opening(at, door, by, how, seconds, result)


def door_log(db: sqlite_utils.Database, door: str | None = None, limit: int = 50) -> list[Opening]:
    """The latest openings (and refusals), newest first."""
    rows = db.execute("SELECT at, door, by, how, seconds, result FROM door_log WHERE (? IS NULL OR door = ?) "
                      "ORDER BY id DESC LIMIT ?", [door, door, limit]).fetchall()
    return [Opening(str(a), str(d), str(b), str(h), int(s), str(r or "")) for a, d, b, h, s, r in rows]


# ---- validation ---------------------------------------------------------------------------
def _check_code(code: str) -> str:
    code = code.strip()
    if not _CODE.fullmatch(code):
        raise DoorError(f"open code {code!r} is not accepted; use * or # and one or two digits, e.g. *5")
    from firmware.calls.keys import IN_CALL_CODES

    clash = next((c for c in IN_CALL_CODES if c.startswith(code) or code.startswith(c)), None)
    if clash:
        raise DoorError(f"open code {code} would clash with the in-call code {clash} (transfer, recording, "
                        "three-way); use another, e.g. *5")
    return code


def _check_number(what: str, value: int | None, current: int, bounds: tuple[int, int]) -> int:
    if value is None:
        return current
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DoorError(f"{what} {value!r} s is not accepted; use a whole number of seconds {low}-{high}")
    return value


def _check_destination(db: sqlite_utils.Database, door: Door, text: str) -> str:
    if not text.strip():
        return ""
    try:
        checked = check_destination(db, text)
    except DestinationError as exc:
        raise DoorError(f"door {door.name}: {exc}") from None
    if checked in (f"ext:{door.extension}", f"voicemail:{door.extension}"):
        raise DoorError(f"door {door.name}: {checked} is the door station itself; send its visitors to a person, "
                        "a group, a queue or a mailbox")
    return checked
