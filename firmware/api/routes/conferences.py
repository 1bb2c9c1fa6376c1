"""/api/conferences: conference rooms (as `minipbx conf`); needs `call_logic`, and `live_calls`
to see who is in a room now."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from firmware.access.permissions import Permission
from firmware.admin import conference
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/conferences", tags=["conference rooms"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]
MaySee = Annotated[Principal, Depends(require(Permission.LIVE_CALLS))]


@router.get("", response_model=list[conference.RoomView])
def list_rooms(who: May, db: Db, request: Request) -> list[conference.RoomView]:
    return conference.list_all(admin_for(who, db, request))


@router.get("/{number}", response_model=conference.RoomView)
def get_room(number: str, who: May, db: Db, request: Request) -> conference.RoomView:
    return conference.get(admin_for(who, db, request), number)


@router.put("/{number}", response_model=conference.RoomView, summary="create a room or change it")
def set_room(number: str, change: conference.RoomChange, who: May, db: Db, request: Request) -> conference.RoomView:
    return conference.set_room(admin_for(who, db, request), number, change)


@router.delete("/{number}", status_code=204, summary="delete a room nothing sends calls to")
def remove_room(number: str, who: May, db: Db, request: Request) -> None:
    conference.remove(admin_for(who, db, request), number)


@router.get("/{number}/members", response_model=conference.RoomNow, summary="who is in the room now")
def members(number: str, who: MaySee, db: Db, request: Request) -> conference.RoomNow:
    return conference.who(admin_for(who, db, request), number)
