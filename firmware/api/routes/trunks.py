"""/api/trunks: SIP trunks (needs `trunks`); passwords are write-only. The running edge reloads them."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from firmware.access.permissions import Permission
from firmware.admin import trunks
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/trunks", tags=["trunks"])
May = Annotated[Principal, Depends(require(Permission.TRUNKS))]


@router.get("", response_model=list[trunks.TrunkView])
def list_trunks(who: May, db: Db, request: Request) -> list[trunks.TrunkView]:
    return trunks.list_all(admin_for(who, db, request))


@router.post("", response_model=trunks.TrunkView, status_code=201)
def add_trunk(new: trunks.NewTrunk, who: May, db: Db, request: Request) -> trunks.TrunkView:
    return trunks.add(admin_for(who, db, request), new)


@router.get("/{name}", response_model=trunks.TrunkView)
def get_trunk(name: str, who: May, db: Db, request: Request) -> trunks.TrunkView:
    return trunks.get(admin_for(who, db, request), name)


@router.delete("/{name}", status_code=204)
def remove_trunk(name: str, who: May, db: Db, request: Request) -> None:
    trunks.remove(admin_for(who, db, request), name)
