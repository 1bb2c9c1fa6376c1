"""Logging in and out; who am I."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict

from firmware.access.logins import LockedOut, LoginFailed, log_in
from firmware.access.tokens import close_session, open_session
from firmware.access.web_passwords import set_web_password
from firmware.admin.context import Actor, Admin
from firmware.api.auth import Who, address_of
from firmware.api.database import Db

router = APIRouter(prefix="/api", tags=["session"])


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: str
    password: str


class SessionView(BaseModel):
    token: str
    expires_at: datetime
    login: str
    role: str
    permissions: list[str]


class Me(BaseModel):
    who: str
    login: str | None
    role: str
    permissions: list[str]


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str
    new_password: str


@router.post("/login", response_model=SessionView, summary="log in with a web password; returns a bearer token")
def login(credentials: Credentials, request: Request, db: Db) -> SessionView:
    address = address_of(request)
    try:
        user = log_in(db, credentials.login, credentials.password, address)
    except LockedOut as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(max(1, round(exc.seconds)))}) from None
    except LoginFailed as exc:
        Admin(db, request.app.state.config.data_dir, Actor(credentials.login[:32], address)).audit("login.failed")
        raise HTTPException(401, str(exc)) from None
    token, expires = open_session(db, user.login)
    Admin(db, request.app.state.config.data_dir, Actor(user.login, address)).audit("login")
    return SessionView(token=token, expires_at=expires, login=user.login, role=user.role,
                       permissions=sorted(p.value for p in user.permissions))


@router.post("/logout", status_code=204, summary="end this session")
def logout(who: Who, db: Db) -> None:
    close_session(db, who.token)


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
