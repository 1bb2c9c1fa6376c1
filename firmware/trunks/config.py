"""Trunks (lines to the outside world) and trunk groups, as configured.

A SIP trunk either registers to a provider with digest credentials, or is an
IP-authenticated peer (no registration; calls are recognised by source address).
FXO trunks are lines of the line gateway. Credentials live in the database and
are never printed or logged; listings show whether a password is set.
"""
from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass, field

import sqlite_utils

from firmware.store.database import write_transaction
from firmware.trunks.edge_tables import sync_edge_tables

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,31}")
STRATEGIES = ("first_free", "round_robin", "least_used")
TRANSPORTS = ("udp", "tcp")


class TrunkError(ValueError):
    """A trunk or group that cannot be used; the message names the value."""


@dataclass(frozen=True)
class Trunk:
    name: str
    kind: str
    host: str
    port: int
    transport: str
    domain: str
    username: str
    # Never in a repr: decisions holding trunks are logged.
    password: str = field(repr=False)
    auth_username: str
    register: bool
    caller_id: str
    send_pai: bool
    privacy: str
    inbound_only: bool
    channels: int

    def public(self) -> dict[str, object]:
        """For listings: everything but the password."""
        shown = {k: v for k, v in self.__dict__.items() if k != "password"}
        shown["password_set"] = bool(self.password)
        return shown


def _check_name(name: str, what: str = "trunk") -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise TrunkError(f"{what} name {name!r} is not accepted; use lower-case letters, digits, - and _, "
                         "starting with a letter (e.g. provider1)")
    return name


def resolve_host(host: str) -> str:
    """The IPv4 address of a provider host; configuration fails now, not at call time."""
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    try:
        return socket.gethostbyname(host)
    except OSError:
        raise TrunkError(f"trunk host {host!r} does not resolve to an address; check the name or use an IP") from None


def add_sip_trunk(
    db: sqlite_utils.Database, name: str, host: str, *, port: int = 5060, transport: str = "udp",
    domain: str | None = None, username: str = "", password: str = "", auth_username: str = "",
    register: bool = True, caller_id: str = "", send_pai: bool = False, privacy: str = "",
    inbound_only: bool = False, channels: int = 30,
) -> Trunk:
    _check_name(name)
    resolve_host(host)
    if not 1 <= port <= 65535:
        raise TrunkError(f"trunk port {port} is out of range; use 1-65535")
    if transport not in TRANSPORTS:
        raise TrunkError(f"transport {transport!r} is not accepted; use one of: {', '.join(TRANSPORTS)}")
    if register and not (username and password):
        raise TrunkError(f"trunk {name} registers to its provider but has no "
                         f"{'username' if not username else 'password'}; give --username and --password, "
                         "or --no-register for a peer that trusts this box's address")
    if privacy not in ("", "id", "none"):
        raise TrunkError(f"privacy {privacy!r} is not accepted; use id, none or leave it empty")
    if not 1 <= channels <= 1000:
        raise TrunkError(f"channels {channels} is not accepted; use 1-1000 simultaneous calls")
    if caller_id and not re.fullmatch(r"\+?[0-9]{2,20}", caller_id):
        raise TrunkError(f"caller ID {caller_id!r} is not a phone number; use digits, optionally with a leading +")
    with write_transaction(db):
        if get_trunk(db, name) is not None:
            raise TrunkError(f"trunk {name} already exists; remove it first or pick another name")
        db.table("trunks").insert({
            "name": name, "kind": "sip", "host": host, "port": port, "transport": transport,
            "domain": domain or host, "username": username, "password": password,
            "auth_username": auth_username, "register": int(register), "caller_id": caller_id,
            "send_pai": int(send_pai), "privacy": privacy, "inbound_only": int(inbound_only),
            "channels": channels,
        })
        sync_edge_tables(db)
    trunk = get_trunk(db, name)
    assert trunk is not None
    return trunk


def remove_trunk(db: sqlite_utils.Database, name: str) -> None:
    if get_trunk(db, name) is None:
        raise TrunkError(f"trunk {name} does not exist; see `trunk list`")
    with write_transaction(db):
        db.execute("DELETE FROM trunk_group_members WHERE trunk = ?", [name])
        db.execute("DELETE FROM inbound_routes WHERE trunk = ?", [name])
        db.execute("DELETE FROM trunks WHERE name = ?", [name])
        from firmware.recording.policy import forget_targets

        forget_targets(db, f"trunk:{name}")
        sync_edge_tables(db)


def _row_to_trunk(row: dict[str, object]) -> Trunk:
    return Trunk(
        name=str(row["name"]), kind=str(row["kind"]), host=str(row["host"] or ""), port=int(str(row["port"] or 0)),
        transport=str(row["transport"]), domain=str(row["domain"] or ""), username=str(row["username"] or ""),
        password=str(row["password"] or ""), auth_username=str(row["auth_username"] or ""),
        register=bool(row["register"]), caller_id=str(row["caller_id"] or ""), send_pai=bool(row["send_pai"]),
        privacy=str(row["privacy"] or ""), inbound_only=bool(row["inbound_only"]),
        channels=int(str(row["channels"])),
    )


def get_trunk(db: sqlite_utils.Database, name: str) -> Trunk | None:
    rows = list(db.query("SELECT * FROM trunks WHERE name = ?", [name]))
    return _row_to_trunk(rows[0]) if rows else None


def list_trunks(db: sqlite_utils.Database) -> list[Trunk]:
    return [_row_to_trunk(r) for r in db.query("SELECT * FROM trunks ORDER BY name")]


def set_group(db: sqlite_utils.Database, name: str, strategy: str, members: list[str]) -> None:
    """Create or replace a trunk group: its hunting strategy and ordered member trunks."""
    _check_name(name, "group")
    if strategy not in STRATEGIES:
        raise TrunkError(f"strategy {strategy!r} is not accepted; use one of: {', '.join(STRATEGIES)}")
    if not members:
        raise TrunkError(f"group {name} needs at least one trunk")
    twice = sorted({t for t in members if members.count(t) > 1})
    if twice:
        raise TrunkError(f"trunk {twice[0]} is named twice in group {name}; name each trunk once, in the order "
                         "they are tried")
    for trunk in members:
        if get_trunk(db, trunk) is None:
            raise TrunkError(f"trunk {trunk} does not exist; add it before putting it in group {name}")
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO trunk_groups (name, strategy) VALUES (?, ?)", [name, strategy])
        db.execute("DELETE FROM trunk_group_members WHERE group_name = ?", [name])
        for position, trunk in enumerate(members):
            db.execute("INSERT INTO trunk_group_members (group_name, trunk, position) VALUES (?, ?, ?)",
                       [name, trunk, position])


def groups(db: sqlite_utils.Database) -> dict[str, tuple[str, list[str]]]:
    result: dict[str, tuple[str, list[str]]] = {}
    for name, strategy in db.execute("SELECT name, strategy FROM trunk_groups ORDER BY name").fetchall():
        members = [t for (t,) in db.execute(
            "SELECT trunk FROM trunk_group_members WHERE group_name = ? ORDER BY position", [name]).fetchall()]
        result[str(name)] = (str(strategy), members)
    return result


def group_users(db: sqlite_utils.Database, name: str) -> list[str]:
    """Who dials out through group `name` by name: the extensions whose lines list it."""
    return [f"extension {n}'s lines" for (n,) in db.execute(
        "SELECT number FROM extension_groups WHERE group_name = ? ORDER BY number", [name]).fetchall()]


def remove_group(db: sqlite_utils.Database, name: str) -> None:
    """Delete a trunk group no extension's lines name (refused naming those that do): an extension
    left with no group of its own would suddenly dial out on every line."""
    from firmware.apps.references import refuse_if_used

    with write_transaction(db):
        if not db.execute("SELECT 1 FROM trunk_groups WHERE name = ?", [name]).fetchone():
            raise TrunkError(f"trunk group {name} does not exist; see `group list`")
        refuse_if_used(name, group_users(db, name), f"trunk group {name}", TrunkError)
        db.execute("DELETE FROM trunk_group_members WHERE group_name = ?", [name])
        db.execute("DELETE FROM trunk_groups WHERE name = ?", [name])


def set_extension_groups(db: sqlite_utils.Database, number: str, group_names: list[str]) -> None:
    """The trunk groups an extension may use, in the order they are tried ([] = every group)."""
    if not db.execute("SELECT 1 FROM extensions WHERE number = ?", [number]).fetchone():
        raise TrunkError(f"extension {number} does not exist")
    known = groups(db)
    for group in group_names:
        if group not in known:
            raise TrunkError(f"trunk group {group} does not exist; known: {', '.join(known) or 'none'}")
    with write_transaction(db):
        db.execute("DELETE FROM extension_groups WHERE number = ?", [number])
        for position, group in enumerate(group_names):
            db.execute("INSERT INTO extension_groups (number, group_name, position) VALUES (?, ?, ?)",
                       [number, group, position])


def extension_groups(db: sqlite_utils.Database, number: str) -> list[str]:
    rows = db.execute("SELECT group_name FROM extension_groups WHERE number = ? ORDER BY position",
                      [number]).fetchall()
    return [str(r[0]) for r in rows] or list(groups(db))
