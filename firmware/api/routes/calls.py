"""/api/calls: calls in progress (from the brain's memory, its control socket), click-to-call,
transfer, hanging up.

Everyone may see, start, transfer and end their own extension's calls; `live_calls` sees,
transfers and ends everyone's, `originate` starts a call from any extension.
"""
from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response

from firmware.access.permissions import Permission
from firmware.admin import calls as call_admin
from firmware.admin import load
from firmware.admin.brain import LiveCall, control_socket, live_calls
from firmware.admin.errors import NotFound
from firmware.api.auth import Who, admin_for, forbidden
from firmware.api.database import Db
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
    return [c for c in calls if _is_party(c, who.login)]


@router.get("/status", summary="what runs: edge, workers, registrations, trunks, mode, calls (as `minipbx status`), "
                                "and the box's load (CPU, memory, disk)")
async def status(who: Who, request: Request) -> dict[str, object]:
    if not who.may(Permission.LIVE_CALLS):
        raise forbidden(who, Permission.LIVE_CALLS)
    data_dir = request.app.state.config.data_dir
    running = await asyncio.to_thread(ask, control_socket(data_dir), "status")
    # The box's load is read here, not in the brain: it costs the call handling nothing.
    return {**running, "load": load.measure(data_dir).model_dump()}


@router.post("/calls", response_model=call_admin.StartedCall, status_code=202,
             summary="click-to-call: ring the `from` extension's phones, then dial `to` as that extension",
             responses={403: {"description": "the number is barred for the extension (class of service)"},
                        404: {"description": "no such extension"},
                        409: {"description": "the extension is in a call, or every line is busy"}})
def start_call(new: call_admin.NewCall, who: Who, db: Db, request: Request) -> call_admin.StartedCall:
    if not who.may(Permission.ORIGINATE) and not who.is_self(new.from_):
        raise forbidden(who, Permission.ORIGINATE)
    return call_admin.originate(admin_for(who, db, request), new)


@router.post("/calls/{call_id}/transfer", status_code=204,
             summary="a party of the call sends the other party on (as its transfer key would)",
             responses={403: {"description": "the transferring extension may not send calls to that number"},
                        404: {"description": "no such call in progress (among yours)"},
                        409: {"description": "the call is not an answered two-party conversation"}})
def transfer_call(call_id: str, change: call_admin.CallTransfer, who: Who, db: Db, request: Request) -> Response:
    if not who.may(Permission.LIVE_CALLS):
        if who.login is None:
            raise forbidden(who, Permission.LIVE_CALLS)
        if change.extension and change.extension != who.login:
            raise forbidden(who, Permission.LIVE_CALLS)
        change = change.model_copy(update={"extension": who.login})
        _own_call(who.login, call_id, request)
    call_admin.transfer(admin_for(who, db, request), call_id, change)
    return Response(status_code=204)


def _is_party(call: LiveCall, login: str | None) -> bool:
    return login is not None and login in (call.caller, call.called, call.answered_by)


def _own_call(login: str, call_id: str, request: Request) -> None:
    mine = [c for c in live_calls(request.app.state.config.data_dir) if c.id == call_id and _is_party(c, login)]
    if not mine:
        # Someone else's call looks like no call at all: ids are not to be probed.
        raise NotFound(f"call {call_id} is not in progress among your calls")


@router.delete("/calls/{call_id}", status_code=204, summary="hang up a call in progress (every party of it)")
def end_call(call_id: str, who: Who, db: Db, request: Request) -> Response:
    if not who.may(Permission.LIVE_CALLS):
        if who.login is None:
            raise NotFound(f"call {call_id} is not in progress among your calls")
        _own_call(who.login, call_id, request)
    call_admin.hang_up(admin_for(who, db, request), call_id)
    return Response(status_code=204)
