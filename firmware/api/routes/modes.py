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


@router.put("/timetable/{days}", response_model=modes.ModeView,
            summary="replace the weekdays' intervals (days: mon, mon-fri, sat,sun; spec '08:00-12:00 day, "
                    "12:00-13:00 lunch'; '' = night all day)")
def set_timetable(days: str, change: modes.DaySchedule, who: May, db: Db, request: Request) -> modes.ModeView:
    admin = admin_for(who, db, request)
    modes.set_schedule(admin, days, change.spec)
    return modes.show(admin)


@router.put("/holidays/{day}", response_model=modes.ModeView, summary="make a date (YYYY-MM-DD) a holiday")
def add_holiday(day: str, holiday: modes.Holiday, who: May, db: Db, request: Request) -> modes.ModeView:
    admin = admin_for(who, db, request)
    modes.add_holiday(admin, day, holiday.name)
    return modes.show(admin)


@router.delete("/holidays/{day}", response_model=modes.ModeView, summary="a date is no longer a holiday")
def remove_holiday(day: str, who: May, db: Db, request: Request) -> modes.ModeView:
    admin = admin_for(who, db, request)
    modes.remove_holiday(admin, day)
    return modes.show(admin)


@router.get("/log", response_model=list[modes.ModeLogEntry])
def log(who: Who, db: Db, request: Request, limit: int = 50) -> list[modes.ModeLogEntry]:
    return modes.log(admin_for(who, db, request), min(max(limit, 1), 1000))
