"""/api/pins: wrong PINs counted and locks (as `minipbx pin`); needs `settings`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from firmware.access.permissions import Permission
from firmware.admin import pins
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/pins", tags=["pins"])
May = Annotated[Principal, Depends(require(Permission.SETTINGS))]


@router.get("/failures", response_model=list[pins.PinFailuresView], summary="every wrong-PIN counter, locked first")
def failures(who: May, db: Db, request: Request) -> list[pins.PinFailuresView]:
    return pins.failures(admin_for(who, db, request))


@router.delete("/failures/{target}", summary="forget a target's wrong PINs (all levels, or one): lifts its locks")
def unlock(target: str, who: May, db: Db, request: Request,
           level: Annotated[str | None, Query(description="only this level, e.g. trunk:prov")] = None
           ) -> dict[str, int]:
    return {"cleared": pins.unlock(admin_for(who, db, request), target, level)}
