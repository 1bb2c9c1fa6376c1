"""/api/destinations: where calls can be sent now (for the pages' destination pickers)."""
from __future__ import annotations

from fastapi import APIRouter, Request

from firmware.admin import destinations
from firmware.api.auth import Who, admin_for
from firmware.api.database import Db

router = APIRouter(prefix="/api/destinations", tags=["call logic"])


@router.get("", response_model=destinations.Destinations,
            summary="every destination that exists now (extensions, mailboxes, groups, menus, queues, rooms, "
                    "returning-caller rules, hangup) and the kinds whose target is typed (outside numbers)")
def list_destinations(who: Who, db: Db, request: Request) -> destinations.Destinations:
    return destinations.list_all(admin_for(who, db, request))
