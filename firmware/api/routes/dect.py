"""/api/dect: DECT handsets (as `minipbx dect`); pairing creates an extension, so both need
`extensions`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

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
