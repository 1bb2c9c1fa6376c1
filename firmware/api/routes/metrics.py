"""/metrics: the Prometheus text format, for an office's monitoring (needs `metrics`)."""
from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from firmware.access.permissions import Permission
from firmware.admin import metrics
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(tags=["monitoring"])
May = Annotated[Principal, Depends(require(Permission.METRICS))]


@router.get("/metrics", response_class=PlainTextResponse,
            summary="brain, edge, workers, registrations, calls, trunks, webhook backlog, disk (Prometheus)")
async def prometheus(who: May, db: Db, request: Request) -> PlainTextResponse:
    admin = admin_for(who, db, request)
    figures = await asyncio.to_thread(metrics.collect, admin)
    return PlainTextResponse(metrics.render(figures), media_type="text/plain; version=0.0.4")
