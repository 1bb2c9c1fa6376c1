"""/api/dect: DECT handsets (as `minipbx dect`); pairing creates an extension and removing may
remove one, so all need `extensions`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from firmware.access.permissions import Permission
from firmware.admin import dect
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/dect", tags=["dect"])
May = Annotated[Principal, Depends(require(Permission.EXTENSIONS))]


@router.post("/pair", response_model=dect.PairingView, summary="open the DECT subscription window; the next new "
                                                               "handset gets the extension answered")
def pair(request_body: dect.PairRequest, who: May, db: Db, request: Request) -> dect.PairingView:
    return dect.pair(admin_for(who, db, request), request_body)


@router.get("/handsets", response_model=list[dect.HandsetView], summary="every subscribed handset and its cell")
def handsets(who: May, db: Db, request: Request) -> list[dect.HandsetView]:
    return dect.handsets(admin_for(who, db, request))


@router.delete("/handsets/{handset}", response_model=dect.RemovedView,
               summary="deregister a handset (by port or extension) from the DECT module; its extension stays "
                       "unless remove_extension")
def remove(handset: str, who: May, db: Db, request: Request,
           remove_extension: Annotated[bool, Query(description="also remove the extension")] = False
           ) -> dect.RemovedView:
    return dect.remove(admin_for(who, db, request), handset, dect.RemoveRequest(remove_extension=remove_extension))
