"""The SIP accounts the line gateway registers for the board's ports and lines.

- A phone-side port (analog phone, DECT handset, door station, paging zone) is an
  extension whose `device` is the port's name. It keeps the number it was given;
  a new port gets the lowest free number of the numbering plan at first start.
- An FXO line is a trunk (kind 'fxo', named like the port) plus an internal SIP
  account `line-<port>` that the gateway places the line's incoming calls from.
  With no trunk groups configured the router hunts every trunk, so "0 + number"
  goes out on the first free line without any set-up.

The gateway needs the plain passwords to answer the edge's digest challenges;
they live in `gateway_accounts` (see migration 3), never in `extensions`.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from firmware.dialplan.plan import load_plan
from firmware.store.database import write_transaction
from firmware.store.extensions import add_extension, realm
from firmware.store.passwords import digest_ha1, generate_password
from firmware.trunks.lines import LINE_PREFIX

# Door stations may call extensions (and emergency numbers, which are always allowed), never a trunk.
DOOR_COS = "internal"

_TITLES = {"fxs": "Analog phone", "dect": "DECT handset", "door": "Door station", "paging": "Paging"}


@dataclass(frozen=True)
class PortAccount:
    device: str  # the port name: fxs1, dect2, door1, zone1, fxo1
    kind: str  # fxs | dect | door | paging | fxo
    username: str  # the extension number, or line-<port> for an FXO line
    password: str


def _stored_password(db: sqlite_utils.Database, username: str) -> str | None:
    """The stored password if it still matches the account's digest (else None: `ext passwd` changed it)."""
    row = db.execute("SELECT password FROM gateway_accounts WHERE username = ?", [username]).fetchone()
    account = db.execute("SELECT ha1 FROM subscriber WHERE username = ?", [username]).fetchone()
    if row is None or account is None:
        return None
    password = str(row[0])
    return password if digest_ha1(username, realm(db), password)[0] == account[0] else None


def _remember(db: sqlite_utils.Database, username: str, device: str, password: str) -> None:
    db.execute("DELETE FROM gateway_accounts WHERE device = ? AND username != ?", [device, username])
    db.execute("INSERT OR REPLACE INTO gateway_accounts (username, device, password) VALUES (?, ?, ?)",
               [username, device, password])


def _set_account_password(db: sqlite_utils.Database, username: str, password: str) -> None:
    ha1, ha1b = digest_ha1(username, realm(db), password)
    exists = db.execute("SELECT 1 FROM subscriber WHERE username = ?", [username]).fetchone()
    if exists:
        db.execute("UPDATE subscriber SET ha1 = ?, ha1b = ? WHERE username = ?", [ha1, ha1b, username])
    else:
        db.execute("INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?, ?, '', ?, ?)",
                   [username, realm(db), ha1, ha1b])


def free_extension_number(db: sqlite_utils.Database) -> str:
    """The lowest number of the plan's ranges that no extension or SIP account uses."""
    plan = load_plan(db)
    taken = {str(n) for (n,) in db.execute("SELECT number FROM extensions").fetchall()}
    taken |= {str(n) for (n,) in db.execute("SELECT username FROM subscriber").fetchall()}
    for extension_range in plan.ranges:
        for value in range(extension_range.low, extension_range.high + 1):
            number = str(value)
            if number not in taken and number not in plan.emergency and not plan.is_park_number(number):
                return number
    raise RuntimeError("no free extension number is left in the plan's ranges for a board port; "
                       "widen them with `minipbx config set extension_ranges ...`")


def provision_port(db: sqlite_utils.Database, device: str, kind: str, wanted: str = "") -> PortAccount:
    """The extension of a phone-side port, created on first use (as `wanted` if that is still free)."""
    with write_transaction(db):
        row = db.execute("SELECT number FROM extensions WHERE device = ?", [device]).fetchone()
        if row is None:
            free = wanted and not db.execute("SELECT 1 FROM extensions WHERE number = ? UNION "
                                             "SELECT 1 FROM subscriber WHERE username = ?", [wanted, wanted]).fetchone()
            number = wanted if free else free_extension_number(db)
            password = add_extension(db, number, f"{_TITLES[kind]} {device}")
            db.execute("UPDATE extensions SET device = ? WHERE number = ?", [device, number])
            if kind == "door":
                db.execute("UPDATE extensions SET cos = ? WHERE number = ?", [DOOR_COS, number])
        else:
            number = str(row[0])
            stored = _stored_password(db, number)
            if stored is None:
                password = generate_password()
                _set_account_password(db, number, password)
            else:
                password = stored
        _remember(db, number, device, password)
        if kind == "door":
            from firmware.door.config import add_door

            add_door(db, device)
    return PortAccount(device, kind, number, password)


def release_port(db: sqlite_utils.Database, device: str) -> str | None:
    """A port that went (a deregistered DECT handset): its extension stays, with its number,
    mailbox, forwarding and groups, but without a device, so a handset that later subscribes
    in the same module slot gets an extension of its own. The port's SIP password stops working
    (a new one nobody is told replaces it); `ext passwd` gives the extension a password for
    another phone. The extension's number, or None if the port had none."""
    with write_transaction(db):
        row = db.execute("SELECT number FROM extensions WHERE device = ?", [device]).fetchone()
        db.execute("UPDATE extensions SET device = '' WHERE device = ?", [device])
        db.execute("DELETE FROM gateway_accounts WHERE device = ?", [device])
        if row is not None:
            _set_account_password(db, str(row[0]), generate_password())
    return str(row[0]) if row else None


def provision_line(db: sqlite_utils.Database, device: str) -> PortAccount:
    """The trunk and internal SIP account of an FXO line, created on first use."""
    username = LINE_PREFIX + device
    with write_transaction(db):
        if not db.execute("SELECT 1 FROM trunks WHERE name = ?", [device]).fetchone():
            # One analog line carries one call; it never registers anywhere (the edge ignores kind 'fxo').
            db.table("trunks").insert({
                "name": device, "kind": "fxo", "host": "", "port": 0, "transport": "udp", "domain": "",
                "username": "", "password": "", "auth_username": "", "register": 0, "caller_id": "",
                "send_pai": 0, "privacy": "", "inbound_only": 0, "channels": 1,
            })
        password = _stored_password(db, username)
        if password is None:
            password = generate_password()
            _set_account_password(db, username, password)
        _remember(db, username, device, password)
    return PortAccount(device, "fxo", username, password)
