"""/api/ringgroups: ring groups (departments); needs `call_logic`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from firmware.access.permissions import Permission
from firmware.admin import ringgroups
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/ringgroups", tags=["ring groups"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]


@router.get("", response_model=list[ringgroups.RingGroupView])
def list_groups(who: May, db: Db, request: Request) -> list[ringgroups.RingGroupView]:
    return ringgroups.list_all(admin_for(who, db, request))


@router.get("/{name}", response_model=ringgroups.RingGroupView)
def get_group(name: str, who: May, db: Db, request: Request) -> ringgroups.RingGroupView:
    return ringgroups.get(admin_for(who, db, request), name)


@router.put("/{name}", response_model=ringgroups.RingGroupView, summary="create a group or change it")
def set_group(name: str, change: ringgroups.RingGroupChange, who: May, db: Db,
              request: Request) -> ringgroups.RingGroupView:
    return ringgroups.set_group(admin_for(who, db, request), name, change)


@router.delete("/{name}", status_code=204, summary="delete a group nothing sends calls to")
def remove_group(name: str, who: May, db: Db, request: Request) -> None:
    ringgroups.remove(admin_for(who, db, request), name)
