"""/api/classes-of-service: which call classes each class of service allows (as `minipbx cos`);
/api/everyone/class-of-service: everyone's class of service per mode (as `cos assign '*' --mode`).
All need `call_logic`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from firmware.access.permissions import Permission
from firmware.admin import classes_of_service as cos
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

# Two resources, one module: the prefix is /api so that everyone's per-mode classes live beside them.
router = APIRouter(prefix="/api", tags=["classes of service"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]


@router.get("/classes-of-service", response_model=list[cos.ClassOfServiceView])
def list_profiles(who: May, db: Db, request: Request) -> list[cos.ClassOfServiceView]:
    return cos.list_all(admin_for(who, db, request))


@router.get("/classes-of-service/{name}", response_model=cos.ClassOfServiceView)
def get_profile(name: str, who: May, db: Db, request: Request) -> cos.ClassOfServiceView:
    return cos.get(admin_for(who, db, request), name)


@router.put("/classes-of-service/{name}", response_model=cos.ClassOfServiceView,
            summary="create a class of service or replace what it allows")
def set_profile(name: str, change: cos.ClassOfServiceChange, who: May, db: Db,
                request: Request) -> cos.ClassOfServiceView:
    return cos.set_profile(admin_for(who, db, request), name, change)


@router.delete("/classes-of-service/{name}", status_code=204, summary="delete a class of service nobody dials with")
def remove_profile(name: str, who: May, db: Db, request: Request) -> None:
    cos.remove(admin_for(who, db, request), name)


@router.get("/everyone/class-of-service", response_model=cos.EveryoneView,
            summary="everyone's class of service per mode")
def everyone(who: May, db: Db, request: Request) -> cos.EveryoneView:
    return cos.everyone(admin_for(who, db, request))


@router.put("/everyone/class-of-service/{mode}", response_model=cos.EveryoneView,
            summary="everyone dials with this class of service in the mode (as `cos assign '*' NAME --mode`)")
def assign_everyone(mode: str, assignment: cos.EveryoneAssignment, who: May, db: Db,
                    request: Request) -> cos.EveryoneView:
    return cos.assign_everyone(admin_for(who, db, request), mode, assignment)


@router.delete("/everyone/class-of-service/{mode}", response_model=cos.EveryoneView,
               summary="in the mode each extension dials with its own class of service again (as `cos unassign '*'`)")
def unassign_everyone(mode: str, who: May, db: Db, request: Request) -> cos.EveryoneView:
    return cos.unassign_everyone(admin_for(who, db, request), mode)
