"""/api/callers/blocked and /api/callers/vip: callers refused on every trunk, and callers sent straight
somewhere (as `minipbx route block|vip`); needs `call_logic`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from firmware.access.permissions import Permission
from firmware.admin import caller_lists as callers
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/callers", tags=["caller lists"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]
Number = Annotated[str, Path(description="the caller's number: digits, optionally with a leading +")]


@router.get("/blocked", response_model=list[callers.CallerView])
def list_blocked(who: May, db: Db, request: Request) -> list[callers.CallerView]:
    return callers.list_all(admin_for(who, db, request), "blocked")


@router.put("/blocked/{number}", response_model=callers.CallerView, summary="refuse calls from a number")
def block(number: Number, change: callers.BlockedChange, who: May, db: Db,
          request: Request) -> callers.CallerView:
    return callers.set_caller(admin_for(who, db, request), "blocked", number, note=change.note)


@router.delete("/blocked/{number}", status_code=204, summary="take a number off the blocked list")
def unblock(number: Number, who: May, db: Db, request: Request) -> None:
    callers.remove(admin_for(who, db, request), "blocked", number)


@router.get("/vip", response_model=list[callers.CallerView])
def list_vip(who: May, db: Db, request: Request) -> list[callers.CallerView]:
    return callers.list_all(admin_for(who, db, request), "vip")


@router.put("/vip/{number}", response_model=callers.CallerView,
            summary="send a caller straight to a destination (replaces where it went)")
def set_vip(number: Number, change: callers.VipChange, who: May, db: Db, request: Request) -> callers.CallerView:
    return callers.set_caller(admin_for(who, db, request), "vip", number, change.destination, change.note)


@router.delete("/vip/{number}", status_code=204, summary="take a number off the VIP list")
def remove_vip(number: Number, who: May, db: Db, request: Request) -> None:
    callers.remove(admin_for(who, db, request), "vip", number)
