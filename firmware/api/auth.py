"""Who is asking: a session token from /api/login (as a bearer token or a browser's session cookie)
or an API key, and what they may do.

A request signed in by the session cookie must prove it comes from our own pages for every
method that changes something (double-submit): the `X-CSRF-Token` header carries the value of
the `minipbx_csrf` cookie, which only a page of this origin can read. Another site can make a
browser send the cookies, but not read them or add the header. Bearer tokens need no such proof:
a browser never adds an Authorization header by itself.
"""
from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import sqlite_utils
from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from firmware.access.logins import User, current_user
from firmware.access.permissions import Permission, format_permissions
from firmware.access.tokens import KEY_PREFIX, SESSION_PREFIX, csrf_token, find_key, find_session
from firmware.admin.context import Actor, Admin
from firmware.api.database import Db

_bearer = HTTPBearer(auto_error=False, description="a session token (POST /api/login) or an API key")
SESSION_COOKIE = "minipbx_session"
CSRF_COOKIE = "minipbx_csrf"
CSRF_HEADER = "X-CSRF-Token"
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, scheme_name="session cookie",
                       description="set by POST /api/login with `cookie: true`; changes need the X-CSRF-Token "
                                   "header (the minipbx_csrf cookie's value)")
# Methods that change nothing: they need no CSRF token.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


def check_csrf(request: Request, session_token: str) -> None:
    """A change asked for with the session cookie must carry the session's CSRF token twice (403 if not)."""
    if request.method in _SAFE_METHODS:
        return
    header = request.headers.get(CSRF_HEADER)
    if not header:
        raise HTTPException(403, f"a {request.method} signed in by the session cookie needs the {CSRF_HEADER} "
                                 f"header with the value of the {CSRF_COOKIE} cookie (or send "
                                 "`Authorization: Bearer TOKEN` instead)")
    expected = csrf_token(session_token).encode()
    cookie = request.cookies.get(CSRF_COOKIE, "")
    # Both compared in constant time, so the answer's timing tells nothing of the expected value.
    header_ok = hmac.compare_digest(header.encode(), expected)
    cookie_ok = hmac.compare_digest(cookie.encode(), expected)
    if not (header_ok and cookie_ok):
        raise HTTPException(403, f"the {CSRF_HEADER} header does not match this session's {CSRF_COOKIE} cookie; "
                                 f"send the cookie's value (log in again if the cookie is gone)")


def _session_user(db: sqlite_utils.Database, token: str) -> User | None:
    session = find_session(db, token) if token.startswith(SESSION_PREFIX) else None
    return current_user(db, session.login) if session else None


def principal(request: Request, db: Db,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
              cookie: Annotated[str | None, Depends(_cookie)]) -> Principal:
    address = address_of(request)
    if credentials is None and cookie is not None:
        user = _session_user(db, cookie)
        if user is None:
            raise _unauthorized("the session cookie is unknown, ended or expired; log in again")
        check_csrf(request, cookie)
        return Principal(user.login, user.login, user.role, user.permissions, address, cookie)
    if credentials is None:
        raise _unauthorized("log in first: POST /api/login, then send `Authorization: Bearer TOKEN`")
    token = credentials.credentials
    user = _session_user(db, token)
    if user is not None:
        return Principal(user.login, user.login, user.role, user.permissions, address, token)
    if token.startswith(KEY_PREFIX):
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
