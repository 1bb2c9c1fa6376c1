"""Conference rooms as configured: a number in `conference_numbers` (default 800-809), a name,
an optional PIN and moderator PIN (stored as scrypt hashes, never the digits), the most
parties it takes, and whether a caller alone in it hears music.

A room's number is dialled like an extension's, so it may not be an extension's or a ring
group's (and those may not take it); routes and menu keys reach it as `conf:800`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

from firmware.apps.references import refuse_if_used, where_used
from firmware.dialplan.numbering import PlanError, parse_ranges
from firmware.dialplan.taken import taken_by
from firmware.pins.guard import PinError, hash_pin
from firmware.store.database import write_transaction
from firmware.store.settings import get_setting

DEFAULT_MAX_PARTIES = 10
MAX_PARTIES = 50
_NAME = re.compile(r"[^\x00-\x1f]{0,60}")


class RoomError(ValueError):
    """A room setting that is not accepted; the message names the value and what is."""


@dataclass(frozen=True)
class Room:
    number: str
    name: str
    pin_hash: str  # '' = anyone who dials the number gets in
    moderator_pin_hash: str  # '' = no moderator
    max_parties: int
    music_alone: bool


def get_room(db: sqlite_utils.Database, number: str) -> Room | None:
    row = db.execute("SELECT number, name, pin_hash, moderator_pin_hash, max_parties, music_alone "
                     "FROM conference_rooms WHERE number = ?", [number]).fetchone()
    if row is None:
        return None
    return Room(str(row[0]), str(row[1]), str(row[2]), str(row[3]), int(row[4]), bool(row[5]))


def rooms(db: sqlite_utils.Database) -> list[Room]:
    return [r for (n,) in db.execute("SELECT number FROM conference_rooms ORDER BY number").fetchall()
            if (r := get_room(db, str(n))) is not None]


def _check_number(db: sqlite_utils.Database, number: str) -> None:
    text = str(get_setting(db, "conference_numbers"))
    try:
        ranges = parse_ranges(text)
    except PlanError as exc:
        raise RoomError(f"conference_numbers {text!r}: {exc}") from None
    if not number.isdigit() or not any(r.contains(number) for r in ranges):
        raise RoomError(f"conference room number {number!r} is not accepted; use a number in "
                        f"conference_numbers ({text})")
    owner = taken_by(db, number, besides=("conference room", number))
    if owner is not None:
        raise RoomError(f"conference room number {number} is already {owner}; pick another in {text}")


def _pin(value: str, what: str) -> str:
    if not value:
        return ""
    try:
        return hash_pin(value)
    except PinError as exc:
        raise RoomError(f"{what}: {exc}") from None


def set_room(db: sqlite_utils.Database, number: str, *, name: str | None = None, pin: str | None = None,
             moderator_pin: str | None = None, max_parties: int | None = None,
             music_alone: bool | None = None) -> Room:
    """Create the room or change what is given (None keeps it; a PIN of '' removes it)."""
    current = get_room(db, number)
    if current is None:
        _check_number(db, number)
    if name is not None and not _NAME.fullmatch(name):
        raise RoomError(f"room name {name!r} is not accepted; use up to 60 printable characters")
    if max_parties is not None and not 2 <= max_parties <= MAX_PARTIES:
        raise RoomError(f"max parties {max_parties} is not accepted; use 2-{MAX_PARTIES}")
    room = Room(
        number=number,
        name=name if name is not None else (current.name if current else ""),
        pin_hash=_pin(pin, "room PIN") if pin is not None else (current.pin_hash if current else ""),
        moderator_pin_hash=(_pin(moderator_pin, "moderator PIN") if moderator_pin is not None
                            else (current.moderator_pin_hash if current else "")),
        max_parties=max_parties if max_parties is not None else (current.max_parties if current
                                                                 else DEFAULT_MAX_PARTIES),
        music_alone=music_alone if music_alone is not None else (current.music_alone if current else True),
    )
    if pin and moderator_pin and pin == moderator_pin:
        raise RoomError("the moderator PIN must differ from the room PIN")
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO conference_rooms (number, name, pin_hash, moderator_pin_hash, "
                   "max_parties, music_alone) VALUES (?, ?, ?, ?, ?, ?)",
                   [room.number, room.name, room.pin_hash, room.moderator_pin_hash, room.max_parties,
                    int(room.music_alone)])
    return room


def remove_room(db: sqlite_utils.Database, number: str) -> None:
    """Delete a room no route, menu or forwarding still sends calls to."""
    with write_transaction(db):
        if get_room(db, number) is None:
            raise RoomError(f"conference room {number} does not exist; see `conf list`")
        refuse_if_used(f"conf:{number}", where_used(db, f"conf:{number}"), f"conference room {number}", RoomError)
        db.execute("DELETE FROM conference_rooms WHERE number = ?", [number])
        db.execute("DELETE FROM pin_failures WHERE scope = ?", [f"conf:{number}"])
