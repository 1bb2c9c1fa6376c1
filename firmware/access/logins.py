"""Logging in with a web password, guarded against guessing.

Failures are counted per client address (the source level of the guard the voicemail and
DISA PINs use, firmware/pins/guard.py): after CALLER_FREE_FAILURES wrong tries the address
is locked out for CALLER_FIRST_LOCK_SECONDS, doubling with each further failure. There is no
level over all addresses: a guesser on the internet must not be able to lock the
administrator out of the web pages. Passwords are long, unlike PINs, and the check runs in
the HTTP API's worker threads (this is a plain `def` route), not on an event loop. An
unknown login and a wrong password get the same answer and take the same time.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from firmware.access.permissions import BUILTIN_ROLES, Permission, role_permissions
from firmware.access.web_passwords import ADMIN_LOGIN, password_matches, stored_hash
from firmware.pins.guard import Guesser, locked_for, try_pin

SCOPE = "web-login"


class LockedOut(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"too many failed logins from this address; try again in {seconds:.0f} s")
        self.seconds = seconds


class LoginFailed(Exception):
    def __init__(self) -> None:
        super().__init__("unknown login or wrong password")


@dataclass(frozen=True)
class User:
    """Who a session belongs to: 'admin' or an extension number, with its role's permissions now."""
    login: str
    role: str
    permissions: frozenset[Permission]


def current_user(db: sqlite_utils.Database, login: str) -> User | None:
    """The role is read at each request, so a changed role applies at once."""
    if login == ADMIN_LOGIN:
        return User(ADMIN_LOGIN, "admin", BUILTIN_ROLES["admin"])
    row = db.execute("SELECT role FROM extensions WHERE number = ?", [login]).fetchone()
    if row is None:
        return None
    return User(login, str(row[0]), role_permissions(db, str(row[0])))


def log_in(db: sqlite_utils.Database, login: str, password: str, address: str) -> User:
    guesser = Guesser.of_address(address)
    wait = locked_for(db, SCOPE, guesser, per_target=False)
    if wait > 0:
        raise LockedOut(wait)
    user = current_user(db, login)
    stored = stored_hash(db, login) if user is not None else ""
    if not stored:
        password_matches("", password)  # the time a real check takes
    if not try_pin(db, SCOPE, guesser, stored, password, per_target=False) or user is None:
        wait = locked_for(db, SCOPE, guesser, per_target=False)
        if wait > 0:
            raise LockedOut(wait)
        raise LoginFailed()
    return user
