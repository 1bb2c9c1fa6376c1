"""/api/extensions/{n}/class-of-service|caller-id|lines: how an extension dials out (as `minipbx cos
assign|callerid|lines`); needs `call_logic`. GET /api/extensions/{n} shows them as `dialing`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from firmware.access.permissions import Permission
from firmware.admin import dialing
from firmware.admin.dialing import CallerIdChange, ClassAssignment, DialingView, LinesChange
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/extensions", tags=["extensions"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]


@router.put("/{number}/class-of-service", response_model=DialingView,
            summary="give the extension a class of service, in every mode or in one (as `cos assign`)")
def assign_class(number: str, change: ClassAssignment, who: May, db: Db, request: Request) -> DialingView:
    return dialing.assign_class(admin_for(who, db, request), number, change)


@router.delete("/{number}/class-of-service/{mode}", response_model=DialingView,
               summary="the extension's own class of service in one mode no longer applies (as `cos unassign`)")
def unassign_class(number: str, mode: str, who: May, db: Db, request: Request) -> DialingView:
    return dialing.unassign_class(admin_for(who, db, request), number, mode)


@router.put("/{number}/caller-id", response_model=DialingView,
            summary="the number the extension calls out as (as `cos callerid`)")
def set_caller_id(number: str, change: CallerIdChange, who: May, db: Db, request: Request) -> DialingView:
    return dialing.set_caller_id(admin_for(who, db, request), number, change)


@router.put("/{number}/lines", response_model=DialingView,
            summary="the trunk groups the extension may use, in order (as `cos lines`)")
def set_lines(number: str, change: LinesChange, who: May, db: Db, request: Request) -> DialingView:
    return dialing.set_lines(admin_for(who, db, request), number, change)
