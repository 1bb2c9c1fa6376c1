"""/api/calls: calls in progress, from the brain's memory (its control socket)."""
from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from firmware.access.permissions import Permission
from firmware.admin.brain import LiveCall, control_socket, live_calls
from firmware.api.auth import Who, forbidden
from firmware.brain.control import ask

router = APIRouter(prefix="/api", tags=["live calls"])


@router.get("/calls", response_model=list[LiveCall],
            summary="calls in progress (all with `live_calls`; else the caller's own extension's)")
async def list_calls(who: Who, request: Request) -> list[LiveCall]:
    if not who.may(Permission.LIVE_CALLS) and who.login is None:
        raise forbidden(who, Permission.LIVE_CALLS)
    # The control socket client blocks; off the event loop so other requests go on.
    calls = await asyncio.to_thread(live_calls, request.app.state.config.data_dir)
    if who.may(Permission.LIVE_CALLS):
        return calls
    own = who.login
    return [c for c in calls if own in (c.caller, c.called, c.answered_by)]


@router.get("/status", summary="what runs: edge, workers, registrations, trunks, mode, calls (as `minipbx status`)")
async def status(who: Who, request: Request) -> dict[str, object]:
    if not who.may(Permission.LIVE_CALLS):
        raise forbidden(who, Permission.LIVE_CALLS)
    return await asyncio.to_thread(ask, control_socket(request.app.state.config.data_dir), "status")
