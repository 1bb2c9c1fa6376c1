"""/api/menus: voice menus (as `minipbx ivr`; reached as `ivr:NAME`); needs `call_logic`. PINs write-only."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from firmware.access.permissions import Permission
from firmware.admin import menus
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/menus", tags=["voice menus"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]


@router.get("", response_model=list[menus.MenuView])
def list_menus(who: May, db: Db, request: Request) -> list[menus.MenuView]:
    return menus.list_all(admin_for(who, db, request))


@router.get("/{name}", response_model=menus.MenuView)
def get_menu(name: str, who: May, db: Db, request: Request) -> menus.MenuView:
    return menus.get(admin_for(who, db, request), name)


@router.put("/{name}", response_model=menus.MenuView, summary="create a voice menu or change it (and its keys)")
def set_menu(name: str, change: menus.MenuChange, who: May, db: Db, request: Request) -> menus.MenuView:
    return menus.set_menu(admin_for(who, db, request), name, change)


@router.delete("/{name}", status_code=204, summary="delete a voice menu nothing sends calls to")
def remove_menu(name: str, who: May, db: Db, request: Request) -> None:
    menus.remove(admin_for(who, db, request), name)
