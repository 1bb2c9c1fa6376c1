"""/api/classes-of-service: which call classes each class of service allows (as `minipbx cos`);
needs `call_logic`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from firmware.access.permissions import Permission
from firmware.admin import classes_of_service as cos
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/classes-of-service", tags=["classes of service"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]


@router.get("", response_model=list[cos.ClassOfServiceView])
def list_profiles(who: May, db: Db, request: Request) -> list[cos.ClassOfServiceView]:
    return cos.list_all(admin_for(who, db, request))


@router.get("/{name}", response_model=cos.ClassOfServiceView)
def get_profile(name: str, who: May, db: Db, request: Request) -> cos.ClassOfServiceView:
    return cos.get(admin_for(who, db, request), name)


@router.put("/{name}", response_model=cos.ClassOfServiceView,
            summary="create a class of service or replace what it allows")
def set_profile(name: str, change: cos.ClassOfServiceChange, who: May, db: Db,
                request: Request) -> cos.ClassOfServiceView:
    return cos.set_profile(admin_for(who, db, request), name, change)


@router.delete("/{name}", status_code=204, summary="delete a class of service nobody dials with")
def remove_profile(name: str, who: May, db: Db, request: Request) -> None:
    cos.remove(admin_for(who, db, request), name)
