"""/api/inbound-routes: where calls on a trunk go, per dialled number and mode (as `minipbx route`);
needs `call_logic`.

A route is named by its trunk, number and mode: `/api/inbound-routes/prov/any/*` is the route of
calls on trunk prov to any number in every mode (`any` = any number, `*` = every mode).
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from firmware.access.permissions import Permission
from firmware.admin import inbound_routes as routes
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/inbound-routes", tags=["inbound routes"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]
Did = Annotated[str, Path(description="the dialled number, or `any`")]
Mode = Annotated[str, Path(description="day, lunch, break, night, holiday, or `*` (every mode)")]
ANY_NUMBER = "any"


def _did(did: str) -> str:
    return "" if did == ANY_NUMBER else did


@router.get("", response_model=list[routes.RouteView])
def list_routes(who: May, db: Db, request: Request) -> list[routes.RouteView]:
    return routes.list_all(admin_for(who, db, request))


@router.put("/{trunk}/{did}/{mode}", response_model=routes.RouteView,
            summary="send calls on a trunk to a number in a mode somewhere (replaces that route)")
def set_route(trunk: str, did: Did, mode: Mode, change: routes.RouteChange, who: May, db: Db,
              request: Request) -> routes.RouteView:
    return routes.set_route(admin_for(who, db, request), trunk, _did(did), mode, change)


@router.delete("/{trunk}/{did}/{mode}", status_code=204, summary="delete a route")
def remove_route(trunk: str, did: Did, mode: Mode, who: May, db: Db, request: Request) -> None:
    routes.remove(admin_for(who, db, request), trunk, _did(did), mode)
