"""Logging in and out (a bearer token, and for a browser also the session cookies); who am I."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from firmware.access.logins import LockedOut, LoginFailed, log_in
from firmware.access.tokens import SESSION_HOURS, close_session, csrf_token, open_session
from firmware.access.web_passwords import set_web_password
from firmware.admin import first_run
from firmware.admin.context import Actor, Admin
from firmware.api.auth import CSRF_COOKIE, SESSION_COOKIE, Who, address_of
from firmware.api.database import Db

router = APIRouter(prefix="/api", tags=["session"])


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: str
    password: str
    cookie: bool = Field(default=False, description="also set the session cookie (for a browser); changes "
                                                    "signed in by it need the X-CSRF-Token header")


class SessionView(BaseModel):
    token: str
    expires_at: datetime
    login: str
    role: str
    permissions: list[str]
    csrf_token: str | None = Field(default=None, description="with `cookie: true`: the value to send as "
                                                             "X-CSRF-Token (also in the minipbx_csrf cookie)")


class Me(BaseModel):
    who: str
    login: str | None
    role: str
    permissions: list[str]


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str
    new_password: str


def _set_cookies(request: Request, response: Response, token: str) -> str:
    """The session cookie (HttpOnly: no script reads it) and the CSRF cookie a page of ours reads and echoes.

    SameSite=Strict: another site's links and forms never carry them. Secure over HTTPS, so a
    browser never sends them over plain HTTP. The CSRF cookie's path is / so that the web
    admin's pages (outside /api) can read it.
    """
    secure = request.url.scheme == "https"
    seconds = SESSION_HOURS * 3600
    response.set_cookie(SESSION_COOKIE, token, max_age=seconds, path="/api", secure=secure, httponly=True,
                        samesite="strict")
    csrf = csrf_token(token)
    response.set_cookie(CSRF_COOKIE, csrf, max_age=seconds, path="/", secure=secure, httponly=False,
                        samesite="strict")
    return csrf


def _clear_cookies(request: Request, response: Response) -> None:
    secure = request.url.scheme == "https"
    response.delete_cookie(SESSION_COOKIE, path="/api", secure=secure, httponly=True, samesite="strict")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, httponly=False, samesite="strict")


@router.post("/login", response_model=SessionView,
             summary="log in with a web password; returns a bearer token (and with `cookie: true` sets the "
                     "session cookies)")
def login(credentials: Credentials, request: Request, response: Response, db: Db) -> SessionView:
    address = address_of(request)
    try:
        user = log_in(db, credentials.login, credentials.password, address)
    except LockedOut as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(max(1, round(exc.seconds)))}) from None
    except LoginFailed as exc:
        Admin(db, request.app.state.config.data_dir, Actor(credentials.login[:32], address)).audit("login.failed")
        raise HTTPException(401, str(exc)) from None
    token, expires = open_session(db, user.login)
    Admin(db, request.app.state.config.data_dir, Actor(user.login, address)).audit(
        "login", cookie=credentials.cookie)
    csrf = _set_cookies(request, response, token) if credentials.cookie else None
    return SessionView(token=token, expires_at=expires, login=user.login, role=user.role,
                       permissions=sorted(p.value for p in user.permissions), csrf_token=csrf)


@router.post("/logout", status_code=204, summary="end this session (and clear the session cookies)")
def logout(who: Who, db: Db, request: Request, response: Response) -> None:
    close_session(db, who.token)
    _clear_cookies(request, response)


@router.get("/me", response_model=Me)
def me(who: Who) -> Me:
    return Me(who=who.who, login=who.login, role=who.role, permissions=sorted(p.value for p in who.permissions))


@router.put("/me/password", status_code=204, summary="change your own web password (ends your other sessions)")
def change_own_password(change: PasswordChange, who: Who, db: Db, request: Request) -> None:
    if who.login is None:
        raise HTTPException(400, "an API key has no password; create a new key instead")
    try:
        log_in(db, who.login, change.current_password, who.address)
    except LockedOut as exc:
        raise HTTPException(429, str(exc)) from None
    except LoginFailed:
        raise HTTPException(403, "current_password is wrong") from None
    set_web_password(db, who.login, change.new_password)
    Admin(db, request.app.state.config.data_dir, who.actor).audit("web_password.own")


class FirstRunState(BaseModel):
    needed: bool = Field(description="no admin password yet: the sign-in page offers the first sign-in with the "
                                     "admin PIN")


class FirstRun(BaseModel):
    model_config = ConfigDict(extra="forbid")
    admin_pin: str = Field(description="the admin PIN shown on the box's console at first boot")
    password: str = Field(description="the admin account's new web password")


@router.get("/first-run", response_model=FirstRunState, summary="whether the admin password is still to be set "
                                                                 "(no login needed)")
def first_run_state(db: Db, request: Request) -> FirstRunState:
    config = request.app.state.config
    admin = Admin(db, config.data_dir, Actor("first run", address_of(request)))
    return FirstRunState(needed=config.admin_pin_dir is not None and first_run.needed(admin, config.admin_pin_dir))


@router.post("/first-run", status_code=204,
             summary="set the admin password with the admin PIN, once (then sign in as admin)",
             responses={403: {"description": "the admin PIN is wrong"}, 409: {"description": "already done"},
                        429: {"description": "too many wrong PINs from this address"}})
async def complete_first_run(body: FirstRun, db: Db, request: Request) -> None:
    config = request.app.state.config
    if config.admin_pin_dir is None:
        raise HTTPException(409, "this box has no admin PIN; set the admin password with `minipbx api admin-password`")
    admin = Admin(db, config.data_dir, Actor("first run", address_of(request)))
    try:
        await first_run.complete(admin, config.admin_pin_dir, body.admin_pin, body.password, address_of(request))
    except first_run.FirstRunRefused as exc:
        headers = {"Retry-After": str(max(1, round(exc.retry_after)))} if exc.retry_after else None
        raise HTTPException(exc.status, str(exc), headers=headers) from None
