"""/api/cdr and /api/stats: call records and their totals.

With `reports` every call; without it, a user sees only calls their extension
made, received or answered (and an API key without it, nothing).
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from firmware.access.permissions import Permission
from firmware.admin import cdr
from firmware.api.auth import Principal, Who, admin_for, forbidden
from firmware.api.database import Db

router = APIRouter(prefix="/api", tags=["call records"])


def _scoped(who: Principal, query: cdr.CdrQuery) -> cdr.CdrQuery:
    if who.may(Permission.REPORTS):
        return query
    if who.login is None or (query.extension is not None and query.extension != who.login):
        raise forbidden(who, Permission.REPORTS)
    return query.model_copy(update={"extension": who.login})


@router.get("/cdr", response_model=cdr.CdrPage, summary="call records, newest first, filtered and paged")
def list_cdr(query: Annotated[cdr.CdrQuery, Query()], who: Who, db: Db, request: Request) -> cdr.CdrPage:
    return cdr.search(admin_for(who, db, request), _scoped(who, query))


@router.get("/stats/summary", response_model=cdr.Summary, summary="totals over the calls the filters select")
def summary(query: Annotated[cdr.CdrQuery, Query()], who: Who, db: Db, request: Request) -> cdr.Summary:
    return cdr.summary(admin_for(who, db, request), _scoped(who, query))
