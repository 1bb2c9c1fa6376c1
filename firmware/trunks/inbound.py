"""Inbound routes: per trunk and dialled number (DID), a destination per mode,
with caller-ID exceptions (a blocked list, a VIP list with its own destination)."""
from __future__ import annotations

import re

import sqlite_utils

from firmware.apps.destinations import DestinationError
from firmware.apps.destinations import check_destination as check_any_destination
from firmware.modes.timetable import MODES
from firmware.store.database import write_transaction
from firmware.store.settings import get_setting

# Where this module's tables send calls (firmware/apps/references.py).
DESTINATION_USES = (
    "SELECT 'inbound route ' || trunk || '/' || CASE did WHEN '' THEN 'any' ELSE did END || '/' || mode "
    "FROM inbound_routes WHERE destination = ?",
    "SELECT 'VIP caller ' || number FROM caller_lists WHERE list = 'vip' AND destination = ?",
)

LISTS = ("blocked", "vip")
_NUMBER = re.compile(r"\+?[0-9]{1,20}")


class RouteError(ValueError):
    pass


def check_destination(db: sqlite_utils.Database, destination: str) -> str:
    """Any destination (see firmware/apps/destinations.py) in its normal form; RouteError if it is not accepted."""
    try:
        return check_any_destination(db, destination)
    except DestinationError as exc:
        raise RouteError(str(exc)) from None


def set_route(db: sqlite_utils.Database, trunk: str, did: str, mode: str, destination: str,
              music: str = "") -> None:
    if not db.execute("SELECT 1 FROM trunks WHERE name = ?", [trunk]).fetchone():
        raise RouteError(f"trunk {trunk} does not exist; see `trunk list`")
    if did and not _NUMBER.fullmatch(did):
        raise RouteError(f"dialled number {did!r} is not accepted; use digits (or '' for any number)")
    if mode != "*" and mode not in MODES:
        raise RouteError(f"mode {mode!r} is not known; use one of: {', '.join(MODES)} or * for every mode")
    destination = check_destination(db, destination)
    if music:
        from firmware.calls.music import MusicError, check_class

        try:
            check_class(db, music)
        except MusicError as exc:
            raise RouteError(str(exc)) from None
    db.execute("INSERT OR REPLACE INTO inbound_routes (trunk, did, mode, destination, music) VALUES (?, ?, ?, ?, ?)",
               [trunk, did, mode, destination, music])


def routes(db: sqlite_utils.Database) -> list[dict[str, object]]:
    return list(db.query("SELECT * FROM inbound_routes ORDER BY trunk, did, mode"))


def remove_route(db: sqlite_utils.Database, trunk: str, did: str, mode: str) -> bool:
    """Delete one route; False when there is none for that trunk, number and mode."""
    with write_transaction(db):
        return bool(db.execute("DELETE FROM inbound_routes WHERE trunk = ? AND did = ? AND mode = ?",
                               [trunk, did, mode]).rowcount)


def set_caller_list(db: sqlite_utils.Database, name: str, number: str, destination: str = "", note: str = "") -> None:
    if name not in LISTS:
        raise RouteError(f"list {name!r} is not known; use one of: {', '.join(LISTS)}")
    if not _NUMBER.fullmatch(number):
        raise RouteError(f"caller number {number!r} is not accepted; use digits, optionally with a leading +")
    if name == "vip":
        destination = check_destination(db, destination)
    db.execute("INSERT OR REPLACE INTO caller_lists (list, number, destination, note) VALUES (?, ?, ?, ?)",
               [name, number, destination, note])


def route_music(db: sqlite_utils.Database, trunk: str, did: str, mode: str) -> str:
    """The music class of the route a call on `trunk` to `did` in `mode` takes ('' = default)."""
    for did_key, mode_key in ((did, mode), (did, "*"), ("", mode), ("", "*")):
        row = db.execute("SELECT music FROM inbound_routes WHERE trunk = ? AND did = ? AND mode = ?",
                         [trunk, did_key, mode_key]).fetchone()
        if row is not None:
            return str(row[0] or "")
    return ""


def inbound_destination(db: sqlite_utils.Database, trunk: str, did: str, caller: str, mode: str) -> tuple[str, str]:
    """(destination, how it was chosen) for a call from `caller` on `trunk` to `did` in `mode`."""
    listed = db.execute("SELECT list, destination FROM caller_lists WHERE number = ? ORDER BY list = 'vip'",
                        [caller]).fetchone()
    if listed is not None:
        kind, destination = listed
        return ("blocked", "blocked list") if kind == "blocked" else (str(destination), "vip list")
    for did_key, mode_key in ((did, mode), (did, "*"), ("", mode), ("", "*")):
        row = db.execute("SELECT destination FROM inbound_routes WHERE trunk = ? AND did = ? AND mode = ?",
                         [trunk, did_key, mode_key]).fetchone()
        if row is not None:
            return str(row[0]), f"route {trunk}/{did_key or 'any'}/{mode_key}"
    operator = str(get_setting(db, "operator_extension"))
    if operator:
        return f"ext:{operator}", "operator (no route)"
    return "hangup", "no route"
