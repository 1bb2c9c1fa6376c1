"""Ring groups as configured: who rings, in what order, and where an unanswered call goes.

A group is reached as `group:NAME` (from routes, menus, another group's no-answer)
and, when it has a `number`, by dialling that number: it lies in the
extension ranges, so the plan classifies it as an extension number and the
router looks the group up first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

from firmware.apps.destinations import DestinationError, check_destination, parse_destination
from firmware.apps.references import refuse_if_used, where_used
from firmware.dialplan.numbering import Kind
from firmware.dialplan.plan import load_plan
from firmware.dialplan.taken import check_group_number
from firmware.store.database import write_transaction

# Where ring groups send calls (firmware/apps/references.py).
DESTINATION_USES = ("SELECT 'ring group ' || name || ' no-answer' FROM ring_groups WHERE no_answer = ?",)

# page: a one-way announcement to every idle member at once, answered by the phones themselves
# (firmware/paging.py); the others ring phones until someone answers.
STRATEGIES = ("all", "linear", "cascade", "page")
STEP_SECONDS = (2, 120)
TIMEOUT_SECONDS = (5, 600)
_PICKUP = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


class RingGroupError(ValueError):
    """A ring group setting that is not accepted; the message names the value and what is."""


@dataclass(frozen=True)
class RingGroup:
    name: str
    number: str  # '' = reached only as group:NAME
    strategy: str  # all: every member at once; linear: one by one; cascade: one more every step
    step_seconds: int  # linear/cascade: how long before the next member rings
    timeout: int  # seconds before the call goes to no_answer
    no_answer: str  # destination text, '' = release the caller
    pickup_group: str
    members: tuple[str, ...]  # in ringing order: extension numbers, or 'number:DIGITS' (outside numbers)
    pagers: tuple[str, ...] = ()  # a paging group: the extensions that may page it (() = every extension)
    # A paging group: the number a call is transferred to to park it and page its slot ('' = none).
    park_number: str = ""


def get_ring_group(db: sqlite_utils.Database, name: str) -> RingGroup | None:
    row = db.execute("SELECT name, number, strategy, step_seconds, timeout, no_answer, pickup_group, pagers, "
                     "park_number FROM ring_groups WHERE name = ?", [name]).fetchone()
    if row is None:
        return None
    members = tuple(str(m) for (m,) in db.execute(
        "SELECT member FROM ring_group_members WHERE group_name = ? ORDER BY position", [name]).fetchall())
    return RingGroup(str(row[0]), str(row[1] or ""), str(row[2]), int(row[3]), int(row[4]), str(row[5] or ""),
                     str(row[6] or ""), members, tuple(p for p in str(row[7] or "").split(",") if p),
                     str(row[8] or ""))


def ring_group_by_number(db: sqlite_utils.Database, number: str) -> RingGroup | None:
    """The group dialled as `number`, or None ('' is never a group's number)."""
    if not number:
        return None
    row = db.execute("SELECT name FROM ring_groups WHERE number = ?", [number]).fetchone()
    return get_ring_group(db, str(row[0])) if row else None


def paging_group_by_park_number(db: sqlite_utils.Database, number: str) -> RingGroup | None:
    """The paging group whose page-and-park number is `number`, or None."""
    if not number:
        return None
    row = db.execute("SELECT name FROM ring_groups WHERE park_number = ?", [number]).fetchone()
    return get_ring_group(db, str(row[0])) if row else None


def list_ring_groups(db: sqlite_utils.Database) -> list[RingGroup]:
    names = [str(n) for (n,) in db.execute("SELECT name FROM ring_groups ORDER BY name").fetchall()]
    return [group for name in names if (group := get_ring_group(db, name)) is not None]


def set_ring_group(
    db: sqlite_utils.Database,
    name: str,
    *,
    number: str | None = None,
    strategy: str | None = None,
    step_seconds: int | None = None,
    timeout: int | None = None,
    no_answer: str | None = None,
    pickup_group: str | None = None,
    members: list[str] | tuple[str, ...] | None = None,
    pagers: list[str] | tuple[str, ...] | None = None,
    park_number: str | None = None,
) -> RingGroup:
    """Create the group or change what is given (None keeps the current value); all or nothing."""
    _check_name(name)
    with write_transaction(db):
        current = get_ring_group(db, name) or RingGroup(name, "", "all", 10, 30, "", "", ())
        row = {
            "name": name,
            "number": current.number if number is None else check_group_number(
                db, number.strip(), "ring group", name, RingGroupError),
            "strategy": current.strategy if strategy is None else _check_strategy(strategy),
            "step_seconds": current.step_seconds if step_seconds is None else _check_seconds(
                "step", step_seconds, STEP_SECONDS),
            "timeout": current.timeout if timeout is None else _check_seconds("timeout", timeout, TIMEOUT_SECONDS),
            "no_answer": current.no_answer if no_answer is None else _check_no_answer(db, name, no_answer),
            "pickup_group": current.pickup_group if pickup_group is None else _check_pickup(pickup_group),
            "pagers": ",".join(current.pagers if pagers is None else _check_pagers(db, pagers)),
            "park_number": current.park_number if park_number is None else check_group_number(
                db, park_number.strip(), "page-and-park", name, RingGroupError),
        }
        wanted = current.members if members is None else _check_members(db, members)
        if row["strategy"] == "page" and any(m.startswith("number:") for m in wanted):
            raise RingGroupError(f"ring group {name} pages its members: {next(m for m in wanted if ':' in m)} is "
                                 "an outside number, and only the PBX's own phones answer a page by themselves")
        if row["park_number"] and row["strategy"] != "page":
            raise RingGroupError(f"ring group {name} rings its members (strategy {row['strategy']}): a page-and-park "
                                 f"number ({row['park_number']}) needs strategy page; set --strategy page, or "
                                 "--park-number '' for none")
        if row["park_number"] and row["park_number"] == row["number"]:
            raise RingGroupError(f"ring group {name}: page-and-park number {row['park_number']} is the group's own "
                                 "number; pick another free number")
        db.table("ring_groups").upsert(row, pk="name")
        if members is not None:
            db.execute("DELETE FROM ring_group_members WHERE group_name = ?", [name])
            for position, member in enumerate(wanted):
                db.execute("INSERT INTO ring_group_members (group_name, member, position) VALUES (?, ?, ?)",
                           [name, member, position])
    group = get_ring_group(db, name)
    assert group is not None
    return group


def remove_ring_group(db: sqlite_utils.Database, name: str) -> None:
    """Delete a group no route, menu, group or forwarding still sends calls to."""
    with write_transaction(db):
        if get_ring_group(db, name) is None:
            raise RingGroupError(f"ring group {name} does not exist; see `ringgroup list`")
        refuse_if_used(f"group:{name}", where_used(db, f"group:{name}"), f"ring group {name}", RingGroupError)
        db.execute("DELETE FROM ring_group_members WHERE group_name = ?", [name])
        db.execute("DELETE FROM ring_groups WHERE name = ?", [name])
        from firmware.recording.policy import forget_targets

        forget_targets(db, f"group:{name}")


# ---- validation ---------------------------------------------------------------------------
def _check_name(name: str) -> None:
    try:
        parse_destination(f"group:{name}")
    except DestinationError:
        raise RingGroupError(f"ring group name {name!r} is not accepted; use up to 40 letters, digits, '_', '.', "
                             "'-', starting with a letter or digit (e.g. sales)") from None


def _check_strategy(strategy: str) -> str:
    if strategy not in STRATEGIES:
        raise RingGroupError(f"ring strategy {strategy!r} is not accepted; use one of: {', '.join(STRATEGIES)}")
    return strategy


def _check_seconds(what: str, value: int, bounds: tuple[int, int]) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RingGroupError(f"{what} {value!r} s is not accepted; use a whole number of seconds {low}-{high}")
    return value


def _check_no_answer(db: sqlite_utils.Database, name: str, destination: str) -> str:
    if not destination.strip():
        return ""
    try:
        checked = check_destination(db, destination)
    except DestinationError as exc:
        raise RingGroupError(f"ring group {name}, no-answer {exc}") from None
    if checked == f"group:{name}":
        raise RingGroupError(f"ring group {name}: no-answer destination {checked} is the group itself; use another "
                             "destination, or '' to release the caller")
    return checked


def _check_pickup(pickup_group: str) -> str:
    pickup_group = pickup_group.strip()
    if pickup_group and not _PICKUP.fullmatch(pickup_group):
        raise RingGroupError(f"pickup group {pickup_group!r} is not accepted; use up to 40 letters, digits, '_', "
                             "'.', '-', or '' for none")
    return pickup_group


def _check_members(db: sqlite_utils.Database, members: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    checked: list[str] = []
    for text in (m.strip() for m in members):
        member = text[4:] if text.startswith("ext:") else text
        if member.startswith("number:"):
            member = _check_outside(db, member)
        elif not member.isdigit() or not db.execute("SELECT 1 FROM extensions WHERE number = ?",
                                                    [member]).fetchone():
            raise RingGroupError(f"member {text!r} is not accepted; use an existing extension number (see `ext list`) "
                                 "or number:DIGITS for an outside number")
        if member in checked:
            raise RingGroupError(f"member {member} is listed twice; list each member once")
        checked.append(member)
    return tuple(checked)


def _check_pagers(db: sqlite_utils.Database, pagers: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    checked = tuple(dict.fromkeys(p.strip() for p in pagers if p.strip()))
    for pager in checked:
        if not db.execute("SELECT 1 FROM extensions WHERE number = ?", [pager]).fetchone():
            raise RingGroupError(f"pager {pager!r} is not an extension (see `ext list`); list the extensions that "
                                 "may page this group, or none for every extension")
    return checked


def _check_outside(db: sqlite_utils.Database, member: str) -> str:
    """'number:DIGITS' as a desk phone dials it (access code first), checked against the plan."""
    try:
        digits = parse_destination(member).target
    except DestinationError as exc:
        raise RingGroupError(f"member {exc}") from None
    plan = load_plan(db)
    if not digits.isdigit() or plan.classify(digits).kind is not Kind.OUTSIDE:
        prefix = plan.outside_prefix
        raise RingGroupError(f"member {member} is not an outside number; write it as a desk phone dials it, with "
                             f"the access code {prefix} first (e.g. number:{prefix}301234567)")
    return f"number:{digits}"
