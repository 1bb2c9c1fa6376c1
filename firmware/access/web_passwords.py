"""Web passwords: separate from SIP passwords (a phone's config file must not open the admin pages).

Stored as salted scrypt hashes in the format firmware/pins/guard.py reads, so one
verifier serves both. Never logged, never shown again.
"""
from __future__ import annotations

import base64
import hashlib
import os

import sqlite_utils

from firmware.pins.guard import pin_matches
from firmware.store.database import write_transaction
from firmware.store.passwords import check_password

# The admin PIN's cost (firmware/appliance/credentials.py): ~50 ms here, slow enough for a stolen hash.
_N, _R, _P = 2**14, 8, 1
ADMIN_LOGIN = "admin"
# Compared against when the login is unknown, so an unknown user costs the same time as a wrong password.
_DUMMY = None


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def set_web_password(db: sqlite_utils.Database, login: str, password: str) -> None:
    """Store a new web password for a login (an extension number or 'admin'); rules as for SIP passwords."""
    check_password(password, login)
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO web_passwords (login, hash) VALUES (?, ?)",
                   [login, hash_password(password)])
        # Sessions opened with the old password end with it.
        db.execute("DELETE FROM api_sessions WHERE login = ?", [login])


def stored_hash(db: sqlite_utils.Database, login: str) -> str:
    row = db.execute("SELECT hash FROM web_passwords WHERE login = ?", [login]).fetchone()
    return str(row[0]) if row else ""


def password_matches(stored: str, password: str) -> bool:
    global _DUMMY
    if not stored:
        _DUMMY = _DUMMY or hash_password(os.urandom(8).hex())
        pin_matches(_DUMMY, password)
        return False
    return pin_matches(stored, password)
