"""/api/mode: the operating mode in force and why; switching it needs `call_logic`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from firmware.access.permissions import Permission
from firmware.admin import modes
from firmware.api.auth import Principal, Who, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/mode", tags=["modes"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]


@router.get("", response_model=modes.ModeView)
def show(who: Who, db: Db, request: Request) -> modes.ModeView:
    return modes.show(admin_for(who, db, request))


@router.put("", response_model=modes.ModeView, summary="switch now (temporary: until the next scheduled change)")
def override(change: modes.ModeChange, who: May, db: Db, request: Request) -> modes.ModeView:
    admin = admin_for(who, db, request)
    modes.override(admin, change)
    return modes.show(admin)


@router.delete("/override", response_model=modes.ModeView, summary="back to the timetable")
def back_to_timetable(who: May, db: Db, request: Request) -> modes.ModeView:
    admin = admin_for(who, db, request)
    modes.back_to_timetable(admin)
    return modes.show(admin)


@router.get("/log", response_model=list[modes.ModeLogEntry])
def log(who: Who, db: Db, request: Request, limit: int = 50) -> list[modes.ModeLogEntry]:
    return modes.log(admin_for(who, db, request), min(max(limit, 1), 1000))
