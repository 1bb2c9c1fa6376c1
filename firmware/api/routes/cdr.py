"""/api/cdr and /api/stats: call records and their totals.

With `reports` every call; without it, a user sees only calls their extension
made, received or answered (and an API key without it, nothing). The figures per
scenario (trunk, number, menu) need `reports`: they are about the company's lines.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from firmware.access.permissions import Permission
from firmware.admin import cdr, scenarios
from firmware.api.auth import Principal, Who, admin_for, forbidden, require
from firmware.api.database import Db, open_db

router = APIRouter(prefix="/api", tags=["call records"])
MayReport = Annotated[Principal, Depends(require(Permission.REPORTS))]


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


@router.get("/stats/series", response_model=list[cdr.SeriesPoint],
            summary="calls, answered, missed and talk time per hour, day, week or month (UTC)")
def series(query: Annotated[cdr.CdrQuery, Query()], who: Who, db: Db, request: Request,
           period: str = "day") -> list[cdr.SeriesPoint]:
    return cdr.series(admin_for(who, db, request), _scoped(who, query), period)


@router.get("/stats/by", response_model=list[cdr.Breakdown],
            summary="calls, answered, missed, talk and wait per extension, trunk or direction")
def by_group(query: Annotated[cdr.CdrQuery, Query()], who: Who, db: Db, request: Request,
             group: str = "extension") -> list[cdr.Breakdown]:
    return cdr.breakdown(admin_for(who, db, request), _scoped(who, query), group)


@router.get("/stats/missed", response_model=list[cdr.CdrRow],
            summary="missed calls not called back yet: each caller's newest, while nobody has talked to them since")
def missed(query: Annotated[cdr.CdrQuery, Query()], who: Who, db: Db, request: Request) -> list[cdr.CdrRow]:
    return cdr.missed_not_called_back(admin_for(who, db, request), _scoped(who, query))


@router.get("/stats/scenarios", response_model=list[scenarios.ScenarioFigures],
            summary="per trunk, number dialled and voice menu: calls, completed, no talk, transferred, started by "
                    "an employee, repeated menu passes, average durations; `by` splits each by a second dimension")
def by_scenario(query: Annotated[cdr.CdrQuery, Query()], who: MayReport, db: Db, request: Request,
                by: Annotated[str | None, Query(description="one of " + ", ".join(
                    f"{name} ({meaning})" for name, meaning in scenarios.DIMENSIONS.items()))] = None,
                ) -> list[scenarios.ScenarioFigures]:
    return scenarios.scenarios(admin_for(who, db, request), query, by)


@router.get("/cdr.csv", summary="the call records the filters select as CSV, streamed (paging ignored)",
            response_class=StreamingResponse)
def export_cdr(query: Annotated[cdr.CdrQuery, Query()], who: Who, request: Request) -> StreamingResponse:
    scoped = _scoped(who, query)
    # Its own connection: the stream outlives the request's dependencies.
    connection = open_db(request)
    db = next(connection)
    admin = admin_for(who, db, request)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        try:
            writer.writerow(cdr.CSV_COLUMNS)
            for row in cdr.csv_rows(admin, scoped):
                writer.writerow(row)
                if buffer.tell() > 65536:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()
        finally:
            connection.close()

    return StreamingResponse(lines(), media_type="text/csv",
                             headers={"Content-Disposition": 'attachment; filename="cdr.csv"'})
