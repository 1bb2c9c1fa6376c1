"""Who is asking: a session token from /api/login or an API key, and what they may do."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import sqlite_utils
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from firmware.access.logins import current_user
from firmware.access.permissions import Permission, format_permissions
from firmware.access.tokens import KEY_PREFIX, SESSION_PREFIX, find_key, find_session
from firmware.admin.context import Actor, Admin
from firmware.api.database import Db

_bearer = HTTPBearer(auto_error=False, description="a session token (POST /api/login) or an API key")


@dataclass(frozen=True)
class Principal:
    """A logged-in user (login = 'admin' or an extension number) or an integration's key (login None)."""
    who: str
    login: str | None
    role: str
    permissions: frozenset[Permission]
    address: str
    token: str

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions

    def is_self(self, number: str) -> bool:
        return self.login is not None and self.login == number

    @property
    def actor(self) -> Actor:
        return Actor(self.who, self.address)


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def address_of(request: Request) -> str:
    return request.client.host if request.client else ""


def principal(request: Request, db: Db,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    if credentials is None:
        raise _unauthorized("log in first: POST /api/login, then send `Authorization: Bearer TOKEN`")
    token = credentials.credentials
    address = address_of(request)
    if token.startswith(SESSION_PREFIX):
        session = find_session(db, token)
        user = current_user(db, session.login) if session else None
        if user is not None:
            return Principal(user.login, user.login, user.role, user.permissions, address, token)
    elif token.startswith(KEY_PREFIX):
        key = find_key(db, token)
        if key is not None:
            return Principal(f"key:{key.name}", None, "api key", key.permissions, address, token)
    raise _unauthorized("the token is unknown, revoked or expired; log in again")


Who = Annotated[Principal, Depends(principal)]


def forbidden(who: Principal, permission: Permission) -> HTTPException:
    has = format_permissions(who.permissions).replace(",", ", ") or "none"
    return HTTPException(403, f"this needs the {permission.value!r} permission; {who.who} ({who.role}) has: {has}")


def not_above(who: Principal, granted: frozenset[Permission], what: str) -> None:
    """Nobody hands out (or takes over an account with) permissions they do not hold themselves."""
    missing = granted - who.permissions
    if missing:
        raise HTTPException(403, f"{what} has permissions {who.who} ({who.role}) does not: "
                                 f"{format_permissions(frozenset(missing)).replace(',', ', ')}")


def require(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency: the caller must hold `permission` (403 otherwise)."""
    def check(who: Who) -> Principal:
        if not who.may(permission):
            raise forbidden(who, permission)
        return who
    return check


def admin_for(who: Principal, db: sqlite_utils.Database, request: Request) -> Admin:
    data_dir = request.app.state.config.data_dir
    return Admin(db, data_dir, who.actor)
