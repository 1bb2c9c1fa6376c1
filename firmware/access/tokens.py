"""Bearer tokens: sessions opened by a login, and API keys for integrations.

A token is shown once; the database keeps only its SHA-256 (the tokens are 256
random bits, so a fast hash is enough). The prefix says which kind it is.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from firmware.access.permissions import Permission, format_permissions, parse_permissions
from firmware.store.database import write_transaction

SESSION_PREFIX = "mps_"
KEY_PREFIX = "mpk_"
SESSION_HOURS = 12
_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class ApiKeyError(ValueError):
    """A bad or clashing API key name; the message says what is accepted."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Session:
    login: str
    expires_at: datetime


def open_session(db: sqlite_utils.Database, login: str) -> tuple[str, datetime]:
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    expires = now + timedelta(hours=SESSION_HOURS)
    with write_transaction(db):
        # Expired sessions are swept on each login, so the table stays small.
        db.execute("DELETE FROM api_sessions WHERE expires_at < ?", [now.isoformat()])
        db.table("api_sessions").insert({"token_hash": token_hash(token), "login": login,
                                         "expires_at": expires.isoformat()})
    return token, expires


def csrf_token(session_token: str) -> str:
    """The CSRF token of a browser session: derived from the session token, so it is bound to that
    session (a cookie planted by another site or subdomain matches no session), and one-way, so a
    script that reads it (it is not HttpOnly) learns nothing of the session token."""
    return hashlib.sha256(f"csrf:{session_token}".encode()).hexdigest()


def find_session(db: sqlite_utils.Database, token: str) -> Session | None:
    row = db.execute("SELECT login, expires_at FROM api_sessions WHERE token_hash = ?",
                     [token_hash(token)]).fetchone()
    if row is None:
        return None
    expires = datetime.fromisoformat(row[1])
    return Session(str(row[0]), expires) if expires > _now() else None


def close_session(db: sqlite_utils.Database, token: str) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM api_sessions WHERE token_hash = ?", [token_hash(token)])


@dataclass(frozen=True)
class ApiKey:
    name: str
    permissions: frozenset[Permission]
    created_at: str
    created_by: str


def create_key(db: sqlite_utils.Database, name: str, permissions: frozenset[Permission], created_by: str) -> str:
    """Create a key; return its secret (shown once)."""
    if not _KEY_NAME.fullmatch(name):
        raise ApiKeyError(f"key name {name!r} is not accepted; use 1-64 letters, digits, '.', '-' or '_'")
    if not permissions:
        raise ApiKeyError("a key needs at least one permission, e.g. --permissions reports,live_calls")
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    with write_transaction(db):
        if db.execute("SELECT 1 FROM api_keys WHERE name = ?", [name]).fetchone():
            raise ApiKeyError(f"API key {name} already exists; revoke it first or choose another name")
        db.table("api_keys").insert({"name": name, "token_hash": token_hash(token),
                                     "permissions": format_permissions(permissions),
                                     "created_at": _now().isoformat(timespec="seconds"), "created_by": created_by})
    return token


def _key(row: tuple[object, ...]) -> ApiKey:
    return ApiKey(str(row[0]), parse_permissions(str(row[1])), str(row[2]), str(row[3] or ""))


def find_key(db: sqlite_utils.Database, token: str) -> ApiKey | None:
    row = db.execute("SELECT name, permissions, created_at, created_by FROM api_keys WHERE token_hash = ?",
                     [token_hash(token)]).fetchone()
    return _key(row) if row else None


def list_keys(db: sqlite_utils.Database) -> list[ApiKey]:
    return [_key(r) for r in db.execute(
        "SELECT name, permissions, created_at, created_by FROM api_keys ORDER BY name").fetchall()]


def revoke_key(db: sqlite_utils.Database, name: str) -> bool:
    with write_transaction(db):
        return bool(db.execute("DELETE FROM api_keys WHERE name = ?", [name]).rowcount)
