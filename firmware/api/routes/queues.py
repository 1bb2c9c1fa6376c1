"""/api/queues: call queues (as `minipbx queue`); settings need `call_logic`. An agent may log
themselves in or out and pause (anyone, with `call_logic`); the figures need `reports`; asking
for a callback needs `callbacks` (a website form's key holds that one alone).

The figures are at /api/stats/queues, beside the other statistics: under /api/queues the
word `stats` would be a queue's name."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from firmware.access.permissions import Permission
from firmware.admin import queues
from firmware.api.auth import Principal, Who, admin_for, forbidden, require
from firmware.api.database import Db

router = APIRouter(prefix="/api", tags=["call queues"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]
MayReport = Annotated[Principal, Depends(require(Permission.REPORTS))]
# A website's form holds a key with this permission alone.
MayAskCallback = Annotated[Principal, Depends(require(Permission.CALLBACKS))]


class PauseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", description="a code of up to two digits ('' = none)")


def _own_or_call_logic(who: Principal, extension: str) -> None:
    if not who.is_self(extension) and not who.may(Permission.CALL_LOGIC):
        raise forbidden(who, Permission.CALL_LOGIC)


@router.get("/queues", response_model=list[queues.QueueView])
def list_queues(who: May, db: Db, request: Request) -> list[queues.QueueView]:
    return queues.list_all(admin_for(who, db, request))


@router.get("/queues/{name}", response_model=queues.QueueView)
def get_queue(name: str, who: May, db: Db, request: Request) -> queues.QueueView:
    return queues.get(admin_for(who, db, request), name)


@router.put("/queues/{name}", response_model=queues.QueueView, summary="create a queue or change it")
def set_queue(name: str, change: queues.QueueChange, who: May, db: Db, request: Request) -> queues.QueueView:
    return queues.set_queue(admin_for(who, db, request), name, change)


@router.delete("/queues/{name}", status_code=204, summary="delete a queue nothing sends calls to")
def remove_queue(name: str, who: May, db: Db, request: Request) -> None:
    queues.remove(admin_for(who, db, request), name)


@router.get("/queues/{name}/callbacks", response_model=list[queues.CallbackView],
            summary="the queue's callback requests: who waits to be called back, what happened")
def callbacks(name: str, who: May, db: Db, request: Request) -> list[queues.CallbackView]:
    return queues.callbacks(admin_for(who, db, request), name)


@router.post("/queues/{name}/callbacks", response_model=queues.CallbackView, status_code=201,
             summary="ask the queue to call a number back (a website's \"call me back\" form)")
def request_callback(name: str, body: queues.CallbackRequest, who: MayAskCallback, db: Db,
                     request: Request) -> queues.CallbackView:
    return queues.request_callback(admin_for(who, db, request), name, body)


@router.post("/queues/{name}/agents/{extension}/login", response_model=queues.AgentView,
             summary="a dynamic agent takes the queue's calls")
def login(name: str, extension: str, who: Who, db: Db, request: Request) -> queues.AgentView:
    _own_or_call_logic(who, extension)
    return queues.login(admin_for(who, db, request), name, extension)


@router.post("/queues/{name}/agents/{extension}/logout", response_model=queues.AgentView,
             summary="a dynamic agent stops taking the queue's calls")
def logout(name: str, extension: str, who: Who, db: Db, request: Request) -> queues.AgentView:
    _own_or_call_logic(who, extension)
    return queues.logout(admin_for(who, db, request), name, extension)


@router.post("/queues/{name}/agents/{extension}/pause", response_model=queues.AgentView,
             summary="an agent takes no calls for a while")
def pause(name: str, extension: str, who: Who, db: Db, request: Request,
          body: PauseRequest | None = None) -> queues.AgentView:
    _own_or_call_logic(who, extension)
    return queues.pause(admin_for(who, db, request), name, extension, (body or PauseRequest()).reason)


@router.post("/queues/{name}/agents/{extension}/unpause", response_model=queues.AgentView,
             summary="a paused agent takes calls again")
def unpause(name: str, extension: str, who: Who, db: Db, request: Request) -> queues.AgentView:
    _own_or_call_logic(who, extension)
    return queues.unpause(admin_for(who, db, request), name, extension)


@router.get("/stats/queues", response_model=list[queues.QueueStatsView],
            summary="offered, answered, abandoned, service level, waits and agents' calls per queue")
def stats(who: MayReport, db: Db, request: Request,
          queue: Annotated[str | None, Query(description="one queue (default: every queue)")] = None,
          from_date: Annotated[str | None, Query(alias="from", description="first day, YYYY-MM-DD")] = None,
          to_date: Annotated[str | None, Query(alias="to", description="last day, YYYY-MM-DD (included)")] = None,
          ) -> list[queues.QueueStatsView]:
    return queues.stats(admin_for(who, db, request), queue, from_date, to_date)
