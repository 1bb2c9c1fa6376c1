"""/api/trunk-groups: ordered lines an outgoing call tries in turn (as `minipbx group`); needs `trunks`.
Which groups an extension uses, in order: PUT /api/extensions/{n}/lines."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from firmware.access.permissions import Permission
from firmware.admin import trunk_groups as groups
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/trunk-groups", tags=["trunks"])
May = Annotated[Principal, Depends(require(Permission.TRUNKS))]


@router.get("", response_model=list[groups.TrunkGroupView])
def list_groups(who: May, db: Db, request: Request) -> list[groups.TrunkGroupView]:
    return groups.list_all(admin_for(who, db, request))


@router.get("/{name}", response_model=groups.TrunkGroupView)
def get_group(name: str, who: May, db: Db, request: Request) -> groups.TrunkGroupView:
    return groups.get(admin_for(who, db, request), name)


@router.put("/{name}", response_model=groups.TrunkGroupView,
            summary="create a trunk group or replace its trunks (in the order they are tried) and strategy")
def set_group(name: str, change: groups.TrunkGroupChange, who: May, db: Db, request: Request) -> groups.TrunkGroupView:
    return groups.set_group(admin_for(who, db, request), name, change)


@router.delete("/{name}", status_code=204, summary="delete a trunk group no extension's lines name")
def remove_group(name: str, who: May, db: Db, request: Request) -> None:
    groups.remove(admin_for(who, db, request), name)
