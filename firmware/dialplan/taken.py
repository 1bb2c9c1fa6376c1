"""Numbers of the extension ranges that something already answers: an extension, a
conference room, a ring group, a paging group's page-and-park number or a queue. One place,
so that each refuses the others' numbers with the same words and none can take a number
another answers."""
from __future__ import annotations

import sqlite_utils

from firmware.dialplan.numbering import PlanError
from firmware.dialplan.plan import check_extension_number, load_plan

# (what it is, the query naming its owner of a number, how a refusal names it)
_OWNERS = (
    ("extension", "SELECT number FROM extensions WHERE number = ?", "extension {}"),
    ("conference room", "SELECT number FROM conference_rooms WHERE number = ?", "conference room {}"),
    ("ring group", "SELECT name FROM ring_groups WHERE number = ?", "the number of ring group {}"),
    ("page-and-park", "SELECT name FROM ring_groups WHERE park_number = ?",
     "the page-and-park number of paging group {}"),
    ("queue", "SELECT name FROM queues WHERE number = ?", "the number of queue {}"),
)


def taken_by(db: sqlite_utils.Database, number: str, *, besides: tuple[str, str] = ("", "")) -> str | None:
    """What answers `number` already ('extension 101', 'the number of ring group sales'), not
    counting `besides` (kind, name: the one being changed), or None."""
    for kind, query, phrase in _OWNERS:
        for (owner,) in db.execute(query, [number]).fetchall():
            if (kind, str(owner)) == besides:
                continue
            return phrase.format(owner)
    return None


def check_group_number(db: sqlite_utils.Database, number: str, what: str, name: str,
                       error: type[ValueError]) -> str:
    """`number` for ring group or queue `name` (`what`: 'ring group', 'page-and-park', 'queue'): in
    the extension ranges, not reserved, answered by nothing else ('' = none)."""
    if not number:
        return ""
    plan = load_plan(db)
    ranges = ",".join(str(r) for r in plan.ranges)
    if not number.isdigit():
        raise error(f"{what} number {number!r} is not accepted; use digits in the extension ranges {ranges}, "
                    "or '' for none")
    if number in plan.emergency:
        raise error(f"{what} number {number} is an emergency number, reserved; pick a free number in {ranges}")
    try:
        check_extension_number(plan, number)
    except PlanError as exc:
        raise error(f"{what} number {number} is not accepted: {exc}") from None
    if plan.operator and number == plan.operator:
        raise error(f"{what} number {number} is the operator number; pick a free number in {ranges}")
    owner = taken_by(db, number, besides=(what, name))
    if owner is not None:
        raise error(f"{what} number {number} is already {owner}; pick a free number in {ranges}")
    return number
