"""/api/doors: door stations (as `minipbx door`); where visitors ring and the open code need
`call_logic`; opening a door and reading its log need `doors` (reception's web page)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from firmware.access.permissions import Permission
from firmware.admin import doors
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/doors", tags=["doors"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]
MayOpen = Annotated[Principal, Depends(require(Permission.DOORS))]


@router.get("", response_model=list[doors.DoorView])
def list_doors(who: May, db: Db, request: Request) -> list[doors.DoorView]:
    return doors.list_all(admin_for(who, db, request))


@router.get("/log", response_model=list[doors.OpeningView], summary="who opened which door when, newest first")
def door_log(who: MayOpen, db: Db, request: Request,
             door: Annotated[str | None, Query(description="one door (default: every door)")] = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[doors.OpeningView]:
    return doors.log(admin_for(who, db, request), door, limit)


@router.get("/{name}", response_model=doors.DoorView)
def get_door(name: str, who: May, db: Db, request: Request) -> doors.DoorView:
    return doors.get(admin_for(who, db, request), name)


@router.put("/{name}", response_model=doors.DoorView, summary="where a visitor's ring goes (per mode), the open "
                                                               "code and times")
def set_door(name: str, change: doors.DoorChange, who: May, db: Db, request: Request) -> doors.DoorView:
    return doors.set_door(admin_for(who, db, request), name, change)


@router.post("/{name}/open", response_model=doors.OpeningView, summary="open the door's lock now")
def open_door(name: str, who: MayOpen, db: Db, request: Request) -> doors.OpeningView:
    return doors.open_door(admin_for(who, db, request), name)
