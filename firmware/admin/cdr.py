"""Call records: filtered, paged lists and a statistics summary."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from firmware.admin.context import Admin
from firmware.store.cdr import recent_cdr
from firmware.store.settings import get_setting

DISPOSITIONS = ("answered", "busy", "no_answer", "cancelled", "unavailable", "failed", "barred", "feature")
# "missed" in reports: somebody called and nobody answered.
MISSED = ("no_answer", "cancelled")
DIRECTIONS = ("in", "out", "internal")


class CdrQuery(BaseModel):
    since: datetime | None = Field(default=None, description="started at or after (ISO 8601; UTC if no zone)")
    until: datetime | None = Field(default=None, description="started before")
    extension: str | None = Field(default=None, description="calls this extension made, was called by or answered")
    department: str | None = Field(default=None, description="calls an extension of this department (as it is "
                                                             "now: `department` of the extensions) was in")
    disposition: str | None = Field(default=None, description=f"one of {', '.join(DISPOSITIONS)}, or missed")
    trunk: str | None = None
    direction: str | None = Field(default=None, description="in (came in on a trunk or line), out, internal")
    limit: int = Field(default=50, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


class CdrRow(BaseModel):
    id: int
    call_id: str | None
    caller: str
    called: str
    answered_by: str | None
    started_at: str
    answered_at: str | None
    ended_at: str
    talk_seconds: float | None
    disposition: str
    hangup_cause: str | None
    hangup_by: str | None
    trunk: str | None
    did: str | None
    mode: str | None
    route: str | None
    direction: str


class CdrPage(BaseModel):
    total: int = Field(description="rows matching the filters, all pages together")
    limit: int
    offset: int
    items: list[CdrRow]


class CdrQueryError(ValueError):
    """A filter value that is not accepted; the message says what is."""


def _stamp(value: datetime) -> str:
    # Rows keep ISO text in UTC ('+00:00'); a naive filter is taken as UTC too.
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat(timespec="milliseconds")


# The numbers of a department's extensions, in SQL (one parameter: the department).
_MEMBERS = "(SELECT number FROM extensions WHERE department = ?)"


def department_members(admin: Admin, department: str) -> list[str]:
    """Its extensions' numbers; CdrQueryError naming the known departments when it has none."""
    members = [str(n) for (n,) in admin.db.execute(
        "SELECT number FROM extensions WHERE department = ? ORDER BY number", [department]).fetchall()]
    if not members:
        known = [str(d) for (d,) in admin.db.execute(
            "SELECT DISTINCT department FROM extensions WHERE department IS NOT NULL AND department != '' "
            "ORDER BY department").fetchall()]
        raise CdrQueryError(f"department {department!r} has no extensions; known: {', '.join(known) or 'none'}")
    return members


def _where(admin: Admin, query: CdrQuery) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if query.department is not None:
        department_members(admin, query.department)
        clauses.append(f"(caller IN {_MEMBERS} OR called IN {_MEMBERS} OR answered_by IN {_MEMBERS})")
        params += [query.department] * 3
    if query.since is not None:
        clauses.append("started_at >= ?")
        params.append(_stamp(query.since))
    if query.until is not None:
        clauses.append("started_at < ?")
        params.append(_stamp(query.until))
    if query.extension is not None:
        clauses.append("(caller = ? OR called = ? OR answered_by = ?)")
        params += [query.extension] * 3
    if query.disposition is not None:
        if query.disposition == "missed":
            clauses.append(f"disposition IN ({', '.join('?' * len(MISSED))})")
            params += list(MISSED)
        elif query.disposition in DISPOSITIONS:
            clauses.append("disposition = ?")
            params.append(query.disposition)
        else:
            raise CdrQueryError(f"disposition {query.disposition!r} is not accepted; use one of: "
                                f"{', '.join(DISPOSITIONS)}, missed")
    if query.trunk is not None:
        clauses.append("trunk = ?")
        params.append(query.trunk)
    if query.direction is not None:
        if query.direction not in DIRECTIONS:
            raise CdrQueryError(f"direction {query.direction!r} is not accepted; use one of: {', '.join(DIRECTIONS)}")
        clauses.append("direction = ?")
        params.append(query.direction)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def selection(admin: Admin, query: CdrQuery) -> tuple[str, list[object]]:
    """The filters as a WHERE clause on `cdr` (empty without any) and its parameters, for other reports."""
    return _where(admin, query)


def search(admin: Admin, query: CdrQuery) -> CdrPage:
    where, params = _where(admin, query)
    total = admin.db.execute(f"SELECT COUNT(*) FROM cdr{where}", params).fetchone()[0]
    rows = admin.db.query(f"SELECT * FROM cdr{where} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?",
                          [*params, query.limit, query.offset])
    items = [CdrRow.model_validate({k: row.get(k) for k in CdrRow.model_fields}) for row in rows]
    return CdrPage(total=int(total), limit=query.limit, offset=query.offset, items=items)


def recent(admin: Admin, limit: int) -> list[dict[str, object]]:
    """The newest rows, newest first, every column (what `minipbx cdr --json` prints)."""
    return recent_cdr(admin.db, limit)


class Summary(BaseModel):
    calls: int
    answered: int
    missed: int = Field(description=f"dispositions {', '.join(MISSED)}")
    busy: int
    failed: int = Field(description="failed, unavailable and barred")
    talk_seconds: float
    average_talk_seconds: float = Field(description="over answered calls")
    by_disposition: dict[str, int]
    busiest_extensions: dict[str, int] = Field(description="answered calls per answering extension, top 10")


def summary(admin: Admin, query: CdrQuery) -> Summary:
    """Totals over the rows the filters select (paging is ignored)."""
    where, params = _where(admin, query)
    # One pass for the counts and the talk; `GROUP BY +column` (here and below) groups the rows the
    # time filter found instead of walking that column's index over every call ever made.
    totals = admin.db.execute(
        f"SELECT disposition, COUNT(*), COALESCE(SUM(talk_seconds), 0), COUNT(answered_at) FROM cdr{where} "
        "GROUP BY +disposition", params).fetchall()
    by = {str(d): int(n) for d, n, _, _ in totals}
    talk = sum(float(t) for _, _, t, _ in totals)
    answered_talk = sum(int(a) for _, _, _, a in totals)
    extra = " AND " if where else " WHERE "
    top = {str(e): int(n) for e, n in admin.db.execute(
        f"SELECT answered_by, COUNT(*) FROM cdr{where}{extra}answered_by IS NOT NULL AND disposition = 'answered' "
        "GROUP BY +answered_by ORDER BY COUNT(*) DESC, answered_by LIMIT 10", params).fetchall()}
    answered = by.get("answered", 0)
    return Summary(
        calls=sum(by.values()), answered=answered, missed=sum(by.get(d, 0) for d in MISSED),
        busy=by.get("busy", 0), failed=sum(by.get(d, 0) for d in ("failed", "unavailable", "barred")),
        talk_seconds=round(float(talk), 1),
        average_talk_seconds=round(float(talk) / answered_talk, 1) if answered_talk else 0.0,
        by_disposition=by, busiest_extensions=top,
    )


GROUPS = ("extension", "trunk", "direction", "department")


class Breakdown(BaseModel):
    """One extension's, trunk's, direction's or department's figures over the calls the filters select."""
    key: str = Field(description="the extension number, trunk name, direction or department")
    calls: int = Field(description="calls it was in (an extension: made, rang at or answered)")
    made: int = Field(description="an extension (department): calls it (one of its extensions) made; else 0")
    received: int = Field(description="an extension (department): calls from outside it, to it or answered "
                                      "by it; else 0")
    answered: int
    missed: int = Field(description=f"unanswered ({', '.join(MISSED)}); an extension: calls to it nobody took")
    talk_seconds: float
    average_wait_seconds: float = Field(description="ringing before the answer, over answered calls")


# Seconds between two ISO text stamps, in SQL.
_WAIT = "(julianday(answered_at) - julianday(started_at)) * 86400.0"


def _by_column(admin: Admin, column: str, where: str, params: list[object]) -> list[Breakdown]:
    missed = ", ".join("?" * len(MISSED))
    extra = " AND " if where else " WHERE "
    rows = admin.db.execute(
        f"SELECT {column}, COUNT(*), SUM(disposition = 'answered'), SUM(disposition IN ({missed})), "
        f"COALESCE(SUM(talk_seconds), 0), AVG(CASE WHEN answered_at IS NOT NULL THEN {_WAIT} END) "
        f"FROM cdr{where}{extra}{column} IS NOT NULL AND {column} != '' GROUP BY +{column} ORDER BY {column}",
        [*MISSED, *params]).fetchall()
    return [Breakdown(key=str(k), calls=int(n), made=0, received=0, answered=int(a or 0), missed=int(m or 0),
                      talk_seconds=round(float(t), 1), average_wait_seconds=round(float(w or 0), 1))
            for k, n, a, m, t, w in rows]


# An extension's figures from the calls it was a party of, each call once for it, from three
# passes: as the caller (made), as the one called (received; missed when nobody took it), as the
# one who answered it without being called (a pickup, a group member: received). Each pass: the
# party's column, whether it made the call, when it answered it, its missed calls, its talk (while
# it was the caller or the one who answered) and which calls the pass leaves to an earlier one.
_EXTENSION_SIDES = (
    ("caller", True, "answered_by IS caller", "0", "talk_seconds", ""),
    ("called", False, "answered_by IS called", f"disposition IN ({', '.join(repr(d) for d in MISSED)})",
     "CASE WHEN answered_by IS called THEN talk_seconds END", "called != caller"),
    ("answered_by", False, "1", "0", "talk_seconds", "answered_by != caller AND answered_by != called"),
)


def _by_extension(admin: Admin, query: CdrQuery) -> list[Breakdown]:
    """Every extension's figures from three grouped passes over the calls, not one query each."""
    where, params = _where(admin, query)
    numbers = [query.extension] if query.extension else [
        str(r[0]) for r in admin.db.execute("SELECT number FROM extensions ORDER BY number").fetchall()]
    # calls, made, received, answered, missed, talk, seconds waited before its answers, answers
    totals: dict[str, list[float]] = {n: [0, 0, 0, 0, 0, 0.0, 0.0, 0] for n in numbers}
    for party, made, took, missed, talk, only in _EXTENSION_SIDES:
        condition = " AND ".join(c for c in (where.removeprefix(" WHERE "), only) if c)
        rows = admin.db.execute(
            f"SELECT {party}, COUNT(*), SUM({took} AND disposition = 'answered'), SUM({missed}), "
            f"COALESCE(SUM({talk}), 0), SUM(CASE WHEN {took} AND answered_at IS NOT NULL THEN {_WAIT} END), "
            f"COUNT(CASE WHEN {took} AND answered_at IS NOT NULL THEN 1 END) "
            f"FROM cdr{' WHERE ' + condition if condition else ''} GROUP BY +{party}", params).fetchall()
        for number, n, answered, missed_calls, talked, waited, answers in rows:
            figures = totals.get(str(number))
            if figures is None:
                continue  # an outside number
            for index, value in ((0, n), (1 if made else 2, n), (3, answered), (4, missed_calls), (5, talked),
                                 (6, waited), (7, answers)):
                figures[index] += float(value or 0)
    return [Breakdown(key=number, calls=int(f[0]), made=int(f[1]), received=int(f[2]), answered=int(f[3]),
                      missed=int(f[4]), talk_seconds=round(f[5], 1),
                      average_wait_seconds=round(f[6] / f[7], 1) if f[7] else 0.0)
            for number, f in totals.items()]


# Each call once per department among its parties (caller dc, called dd, answerer da, by the
# extensions' department as it is now), with what it counts for that department: made (dc), else
# received (dd or da), answered by it (da), missed (to dd from outside it), talk and wait.
_DEPARTMENT_SIDES = f"""
    SELECT dc AS dep, 1 AS made, 0 AS received, da IS dc AND disposition = 'answered' AS answered, 0 AS missed,
           talk_seconds AS talk, CASE WHEN da IS dc THEN wait END AS wait FROM p WHERE dc IS NOT NULL
    UNION ALL
    SELECT dd, 0, 1, da IS dd AND disposition = 'answered', disposition IN ({', '.join(repr(d) for d in MISSED)}),
           CASE WHEN da IS dd THEN talk_seconds END, CASE WHEN da IS dd THEN wait END
      FROM p WHERE dd IS NOT NULL AND dd IS NOT dc
    UNION ALL
    SELECT da, 0, 1, disposition = 'answered', 0, talk_seconds, wait
      FROM p WHERE da IS NOT NULL AND da IS NOT dc AND da IS NOT dd"""


def _by_department(admin: Admin, query: CdrQuery) -> list[Breakdown]:
    """Every department's figures from one pass over the calls (not one pass per department): a
    month of a busy office's calls is read once, each party's department looked up once."""
    where, params = _where(admin, query)
    names = [query.department] if query.department else [str(d) for (d,) in admin.db.execute(
        "SELECT DISTINCT department FROM extensions WHERE department IS NOT NULL AND department != '' "
        "ORDER BY department").fetchall()]
    rows = admin.db.execute(
        "WITH p AS (SELECT c.disposition, c.talk_seconds, "
        f"CASE WHEN c.answered_at IS NOT NULL THEN {_WAIT} END AS wait, "
        "ec.department AS dc, ed.department AS dd, ea.department AS da "
        "FROM (SELECT caller, called, answered_by, disposition, talk_seconds, answered_at, started_at "
        f"FROM cdr{where}) AS c LEFT JOIN extensions AS ec ON ec.number = c.caller "
        "LEFT JOIN extensions AS ed ON ed.number = c.called LEFT JOIN extensions AS ea ON ea.number = c.answered_by) "
        "SELECT dep, COUNT(*), SUM(made), SUM(received), SUM(answered), SUM(missed), COALESCE(SUM(talk), 0), "
        f"AVG(wait) FROM ({_DEPARTMENT_SIDES}) WHERE dep != '' GROUP BY +dep", params).fetchall()
    found = {str(dep): Breakdown(key=str(dep), calls=int(n), made=int(made), received=int(received),
                                 answered=int(answered or 0), missed=int(missed or 0), talk_seconds=round(float(t), 1),
                                 average_wait_seconds=round(float(w or 0), 1))
             for dep, n, made, received, answered, missed, t, w in rows}
    return [found.get(name) or Breakdown(key=name, calls=0, made=0, received=0, answered=0, missed=0,
                                         talk_seconds=0.0, average_wait_seconds=0.0) for name in names]


def breakdown(admin: Admin, query: CdrQuery, group: str) -> list[Breakdown]:
    """The figures per extension, trunk, direction or department (paging ignored)."""
    if group not in GROUPS:
        raise CdrQueryError(f"group {group!r} is not accepted; use one of: {', '.join(GROUPS)}")
    if group == "extension":
        return _by_extension(admin, query)
    if group == "department":
        return _by_department(admin, query)
    where, params = _where(admin, query)
    return _by_column(admin, group, where, params)


PERIODS = {"hour": "%Y-%m-%dT%H:00", "day": "%Y-%m-%d", "week": "%Y-W%W", "month": "%Y-%m"}


class SeriesPoint(BaseModel):
    period: str = Field(description="e.g. 2026-03-02 (day), 2026-W09 (week: Monday first), 2026-03 (month), UTC")
    calls: int
    answered: int
    missed: int
    talk_seconds: float
    incoming: int = Field(description="calls that came in on a trunk or line (direction in)")
    outgoing: int = Field(description="direction out")
    internal: int = Field(description="direction internal")


def series(admin: Admin, query: CdrQuery, period: str) -> list[SeriesPoint]:
    """Calls per hour, day, week or month (UTC), oldest first, over the rows the filters select."""
    if period not in PERIODS:
        raise CdrQueryError(f"period {period!r} is not accepted; use one of: {', '.join(PERIODS)}")
    where, params = _where(admin, query)
    missed = ", ".join("?" * len(MISSED))
    rows = admin.db.execute(
        f"SELECT strftime(?, started_at) AS p, COUNT(*), SUM(disposition = 'answered'), "
        f"SUM(disposition IN ({missed})), COALESCE(SUM(talk_seconds), 0), SUM(direction = 'in'), "
        f"SUM(direction = 'out'), SUM(direction = 'internal') FROM cdr{where} GROUP BY p ORDER BY p",
        [PERIODS[period], *MISSED, *params]).fetchall()
    return [SeriesPoint(period=str(p), calls=int(n), answered=int(a or 0), missed=int(m or 0),
                        talk_seconds=round(float(t), 1), incoming=int(i or 0), outgoing=int(o or 0),
                        internal=int(x or 0)) for p, n, a, m, t, i, o, x in rows]


CSV_COLUMNS = ("started_at", "caller", "called", "answered_by", "disposition", "talk_seconds", "hangup_cause",
               "trunk", "did", "mode", "route", "direction", "call_id")


def csv_rows(admin: Admin, query: CdrQuery, batch: int = 500) -> Iterator[list[str]]:
    """Every row the filters select (paging ignored), newest first, read in batches: a year of calls
    never sits in memory at once."""
    where, params = _where(admin, query)
    columns = ", ".join(CSV_COLUMNS)
    cursor = admin.db.conn.execute(f"SELECT {columns} FROM cdr{where} ORDER BY started_at DESC, id DESC", params)
    while chunk := cursor.fetchmany(batch):
        for row in chunk:
            yield ["" if v is None else str(v) for v in row]


def missed_not_called_back(admin: Admin, query: CdrQuery) -> list[CdrRow]:
    """The newest missed call of each caller nobody has talked to since: no later answered call
    from that number, nor to it (dialled with or without the outside access code)."""
    # The filters' bare column names are the outer row's (m); the subqueries name their own rows.
    where, params = _where(admin, query.model_copy(update={"disposition": "missed"}))
    prefix = str(get_setting(admin.db, "outside_prefix"))
    rows = admin.db.query(
        f"SELECT * FROM cdr AS m{where} AND m.id = ("
        "  SELECT id FROM cdr AS n WHERE n.caller = m.caller AND n.disposition IN ('no_answer', 'cancelled')"
        "  ORDER BY n.started_at DESC, n.id DESC LIMIT 1)"
        # One lookup per way of talking to the caller since, each on its (party, started_at) index.
        " AND NOT EXISTS (SELECT 1 FROM cdr AS b WHERE b.caller = m.caller AND b.started_at > m.started_at"
        "  AND b.disposition = 'answered')"
        " AND NOT EXISTS (SELECT 1 FROM cdr AS b WHERE b.called = m.caller AND b.started_at > m.started_at"
        "  AND b.disposition = 'answered')"
        " AND NOT EXISTS (SELECT 1 FROM cdr AS b WHERE b.called = ? || m.caller AND b.started_at > m.started_at"
        "  AND b.disposition = 'answered')"
        " ORDER BY m.started_at DESC LIMIT ? OFFSET ?", [*params, prefix, query.limit, query.offset])
    return [CdrRow.model_validate({k: row.get(k) for k in CdrRow.model_fields}) for row in rows]
