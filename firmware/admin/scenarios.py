"""Per-scenario analytics: for each entry point calls came in at (a trunk, a number dialled from
outside, a voice menu) how many there were and what became of them, optionally split by a second
dimension (the caller, the call's direction or outcome, its hang-up cause, the menu key, the group).

Built from what each call record holds already: its trunk, DID and direction, and the route trail
the brain writes step by step (brain/switch.py `trail`: "route prov/4930/day; ivr main: key 1").
A menu left with a choice leaves an "ivr NAME: CHOICE" step; a caller who hangs up inside a menu
leaves no step but the hang-up cause "caller hung up in ivr:NAME" (brain/switch.py `run_app`).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pydantic import BaseModel, Field

from firmware.admin.cdr import CdrQuery, CdrQueryError, selection
from firmware.admin.context import Admin

KINDS = ("trunk", "did", "menu")
DIMENSIONS = {
    "caller": "the caller's number",
    "direction": "in, out or internal",
    "disposition": "how the call ended: answered, busy, no_answer, ...",
    "hangup_cause": "the hang-up cause in words",
    "key": "the choice made in the menu (for a trunk or number: in the first menu the call reached)",
    "group": "the department of the extension that answered",
}
# What the `key` dimension says for a caller who hung up in the menu before choosing.
HUNG_UP = "hung up"

_MENU_STEP = re.compile(r"ivr (?P<menu>[^:;]+): (?P<choice>[^;]+)")
_HUNG_UP_IN_MENU = re.compile(r"caller hung up in ivr:(?P<menu>.+)")


class ScenarioFigures(BaseModel):
    """One entry point's figures (with `by`: those of its calls with one value of the second dimension)."""
    kind: str = Field(description=f"one of {', '.join(KINDS)} (did: the number dialled from outside)")
    entry: str = Field(description="the trunk's name, the number or the menu's name")
    value: str | None = Field(default=None, description="the second dimension's value ('' when the call has none); "
                                                        "null without `by`")
    calls: int
    completed: int = Field(description="answered by a person (an extension, or a number it was forwarded to)")
    no_talk: int = Field(description="ended without any talk time: unanswered, or the caller hung up in a menu, "
                                     "a queue or a mailbox")
    transferred: int = Field(description="transferred by the person who answered")
    by_employee: int = Field(description="the caller is an extension")
    repeated: int = Field(description="passed through the same voice menu more than once")
    average_seconds: float = Field(description="from the call's start to its end")
    average_talk_seconds: float = Field(description="over the completed calls")


@dataclass
class _Tally:
    calls: int = 0
    completed: int = 0
    no_talk: int = 0
    transferred: int = 0
    by_employee: int = 0
    repeated: int = 0
    seconds: float = 0.0
    talk: float = 0.0

    def add(self, row: _Call, repeated: bool) -> None:
        self.calls += 1
        self.completed += row.completed
        self.no_talk += row.talk == 0
        self.transferred += row.transferred
        self.by_employee += row.by_employee
        self.repeated += repeated
        self.seconds += row.seconds
        self.talk += row.talk if row.completed else 0.0


@dataclass
class _Call:
    completed: bool
    talk: float
    transferred: bool
    by_employee: bool
    seconds: float
    values: dict[str, str]
    # The menus the call passed through, in order, each with the choice made there.
    passes: list[tuple[str, str]]


def _menu_passes(route: str, hangup_cause: str) -> list[tuple[str, str]]:
    passes = [(m["menu"].strip(), m["choice"].strip()) for m in _MENU_STEP.finditer(route)]
    hung_up = _HUNG_UP_IN_MENU.fullmatch(hangup_cause)
    if hung_up:
        passes.append((hung_up["menu"].strip(), HUNG_UP))
    return passes


def scenarios(admin: Admin, query: CdrQuery, by: str | None = None) -> list[ScenarioFigures]:
    """The figures per trunk, number and menu over the calls the filters select (paging ignored),
    trunks first, then numbers, then menus, each by name; with `by`, one row per value."""
    if by is not None and by not in DIMENSIONS:
        raise CdrQueryError(f"by {by!r} is not accepted; use one of: {', '.join(DIMENSIONS)}")
    where, params = selection(admin, query)
    extra = " AND " if where else " WHERE "
    # Only calls that came in, or went through a menu (an extension may dial one), are read.
    rows = admin.db.execute(
        "SELECT caller, direction, disposition, COALESCE(hangup_cause, ''), COALESCE(trunk, ''), COALESCE(did, ''), "
        "COALESCE(route, ''), transferred_by, COALESCE(talk_seconds, 0), answered_by, "
        f"(julianday(ended_at) - julianday(started_at)) * 86400.0 FROM cdr{where}{extra}"
        "(direction = 'in' OR route LIKE '%ivr %' OR hangup_cause LIKE 'caller hung up in ivr:%')",
        params).fetchall()
    departments = {str(n): str(d or "") for n, d in admin.db.execute("SELECT number, department FROM extensions")}
    tallies: dict[tuple[str, str, str | None], _Tally] = {}
    for caller, direction, disposition, cause, trunk, did, route, transferred_by, talk, answered_by, seconds in rows:
        passes = _menu_passes(str(route), str(cause))
        call = _Call(completed=bool(answered_by), talk=float(talk), transferred=bool(transferred_by),
                     by_employee=str(caller) in departments, seconds=max(float(seconds or 0), 0.0),
                     values={"caller": str(caller), "direction": str(direction), "disposition": str(disposition),
                             "hangup_cause": str(cause), "key": passes[0][1] if passes else "",
                             "group": departments.get(str(answered_by or ""), "")},
                     passes=passes)
        times = Counter(menu for menu, _ in passes)
        entries: list[tuple[str, str, bool]] = []
        if direction == "in":
            again = any(n > 1 for n in times.values())
            entries += [(kind, str(name), again) for kind, name in (("trunk", trunk), ("did", did)) if name]
        entries += [("menu", menu, n > 1) for menu, n in times.items()]
        for kind, entry, repeated in entries:
            value = None
            if by == "key" and kind == "menu":
                value = next(choice for menu, choice in passes if menu == entry)
            elif by is not None:
                value = call.values[by]
            tallies.setdefault((kind, entry, value), _Tally()).add(call, repeated)
    order = {kind: n for n, kind in enumerate(KINDS)}
    return [ScenarioFigures(kind=kind, entry=entry, value=value, calls=t.calls, completed=t.completed,
                            no_talk=t.no_talk, transferred=t.transferred, by_employee=t.by_employee,
                            repeated=t.repeated, average_seconds=round(t.seconds / t.calls, 1),
                            average_talk_seconds=round(t.talk / t.completed, 1) if t.completed else 0.0)
            for (kind, entry, value), t in sorted(tallies.items(),
                                                  key=lambda i: (order[i[0][0]], i[0][1], -i[1].calls, i[0][2] or ""))]
