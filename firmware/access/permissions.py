"""Permissions, and the roles made of them.

Built-in roles: `admin` (every permission) and `user` (none: a user sees and changes
only what is their own - their extension's profile, web password and calls). A custom
role is a named set of permissions, stored in the `roles` table; an extension's
`role` column names a built-in or a custom role.
"""
from __future__ import annotations

import re
from enum import StrEnum

import sqlite_utils

from firmware.store.database import write_transaction


class Permission(StrEnum):
    SETTINGS = "settings"  # system settings
    EXTENSIONS = "extensions"  # create, change, delete extensions; set anyone's passwords
    CALL_LOGIC = "call_logic"  # modes, routes, ring groups, menus, forwarding of others
    TRUNKS = "trunks"
    LIVE_CALLS = "live_calls"  # see every call in progress
    ORIGINATE = "originate"  # click-to-call from any extension
    REPORTS = "reports"  # everyone's call records and the statistics
    RECORDINGS = "recordings"  # listen to, download and delete every recording
    # The same for the recordings of conversations a member of one's own department talked in.
    DEPARTMENT_RECORDINGS = "department_recordings"
    USERS = "users"  # roles, API keys, the audit log
    METRICS = "metrics"  # /metrics, for monitoring (a key with only this one)
    CALLBACKS = "callbacks"  # ask a queue for a callback (a website's "call me back" form's key)
    DOORS = "doors"  # open a door from the API and read the door log
    VOICEMAIL = "voicemail"  # every mailbox: its messages (listen, mark heard, delete) and settings


BUILTIN_ROLES: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "user": frozenset(),
}
_ROLE_NAME = re.compile(r"[a-z][a-z0-9_-]{1,31}")


class RoleError(ValueError):
    """A bad role or permission; the message names it and what is accepted."""


def parse_permissions(text: str | list[str]) -> frozenset[Permission]:
    """'reports,live_calls' (or a list) -> permissions; an unknown name is refused with the list."""
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    known = {p.value: p for p in Permission}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise RoleError(f"permission {unknown[0]!r} is not known; use any of: {', '.join(known)}")
    return frozenset(known[n] for n in names)


def format_permissions(permissions: frozenset[Permission]) -> str:
    """In the order they are declared, so listings read the same every time."""
    return ",".join(p.value for p in Permission if p in permissions)


def role_names(db: sqlite_utils.Database) -> list[str]:
    return [*BUILTIN_ROLES, *(r[0] for r in db.execute("SELECT name FROM roles ORDER BY name").fetchall())]


def role_permissions(db: sqlite_utils.Database, role: str) -> frozenset[Permission]:
    """The permissions of a role; an unknown role (deleted since) has none."""
    if role in BUILTIN_ROLES:
        return BUILTIN_ROLES[role]
    row = db.execute("SELECT permissions FROM roles WHERE name = ?", [role]).fetchone()
    return parse_permissions(str(row[0])) if row else frozenset()


def custom_roles(db: sqlite_utils.Database) -> dict[str, frozenset[Permission]]:
    return {str(name): parse_permissions(str(perms))
            for name, perms in db.execute("SELECT name, permissions FROM roles ORDER BY name").fetchall()}


def set_role(db: sqlite_utils.Database, name: str, permissions: frozenset[Permission]) -> None:
    if name in BUILTIN_ROLES:
        raise RoleError(f"role {name} is built in and cannot be changed; give the custom role another name")
    if not _ROLE_NAME.fullmatch(name):
        raise RoleError(f"role name {name!r} is not accepted; use 2-32 lower-case letters, digits, - or _, "
                        "starting with a letter")
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO roles (name, permissions) VALUES (?, ?)",
                   [name, format_permissions(permissions)])


def remove_role(db: sqlite_utils.Database, name: str) -> None:
    if name in BUILTIN_ROLES:
        raise RoleError(f"role {name} is built in and cannot be removed")
    with write_transaction(db):
        users = [r[0] for r in db.execute("SELECT number FROM extensions WHERE role = ? ORDER BY number",
                                          [name]).fetchall()]
        if users:
            raise RoleError(f"role {name} is given to extension(s) {', '.join(users)}; give them another role first")
        if db.execute("DELETE FROM roles WHERE name = ?", [name]).rowcount == 0:
            raise RoleError(f"role {name!r} does not exist; custom roles: "
                            f"{', '.join(role_names(db)[len(BUILTIN_ROLES):]) or 'none'}")
