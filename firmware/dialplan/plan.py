"""The numbering plan as configured in the settings table."""
from __future__ import annotations

import sqlite_utils

from firmware.dialplan.numbering import ExtensionRange, NumberingPlan, PlanError, parse_ranges
from firmware.store.settings import get_setting

COUNTRY_EMERGENCY = {"EU": ("112",), "US": ("911",), "UK": ("999", "112")}


def load_plan(db: sqlite_utils.Database) -> NumberingPlan:
    emergency_text = str(get_setting(db, "emergency_numbers"))
    emergency = tuple(n.strip() for n in emergency_text.split(",") if n.strip()) or \
        COUNTRY_EMERGENCY[str(get_setting(db, "country"))]
    return NumberingPlan(
        ranges=parse_ranges(str(get_setting(db, "extension_ranges"))),
        outside_prefix=str(get_setting(db, "outside_prefix")),
        operator=str(get_setting(db, "operator_number")),
        operator_extension=str(get_setting(db, "operator_extension")),
        emergency=emergency,
        park=str(get_setting(db, "park_number")),
        park_slots=_park_slots(str(get_setting(db, "park_slots"))),
    )


def _park_slots(text: str) -> tuple[ExtensionRange, ...]:
    try:
        return parse_ranges(text)
    except PlanError as exc:
        raise PlanError(f"park_slots {text!r}: {exc}") from None


def check_plan_in_store(db: sqlite_utils.Database) -> NumberingPlan:
    """The plan validated, and every existing extension still fitting it."""
    plan = load_plan(db).validate()
    for (number,) in db.execute("SELECT number FROM extensions").fetchall():
        check_extension_number(plan, number)
    check_group_numbers(db, plan)
    if plan.operator and not plan.operator_extension:
        raise PlanError(f"operator number {plan.operator} needs an operator_extension to ring")
    if plan.operator_extension and not db.execute(
            "SELECT 1 FROM extensions WHERE number = ?", [plan.operator_extension]).fetchone():
        raise PlanError(f"operator extension {plan.operator_extension} does not exist")
    return plan


def check_group_numbers(db: sqlite_utils.Database, plan: NumberingPlan) -> None:
    """Every ring group's and queue's number stays dialable: in the ranges, not an emergency or the
    operator number."""
    for what, table, column in (("ring group", "ring_groups", "number"), ("queue", "queues", "number"),
                                ("paging group (page and park)", "ring_groups", "park_number")):
        for name, number in db.execute(f"SELECT name, {column} FROM {table} WHERE {column} != ''").fetchall():
            try:
                check_extension_number(plan, number)
            except PlanError as exc:
                raise PlanError(f"{what} {name} has number {number}: {exc}") from None
            if number == plan.operator:
                raise PlanError(f"operator number {number} is {what} {name}'s number")


def check_extension_number(plan: NumberingPlan, number: str) -> None:
    if number in plan.emergency:
        raise PlanError(f"{number} is an emergency number and cannot be an extension")
    if plan.is_park_number(number):
        raise PlanError(f"{number} is reserved for call park (park_number {plan.park}, park_slots "
                        f"{','.join(str(r) for r in plan.park_slots)})")
    if not plan.is_extension_number(number):
        raise PlanError(f"{number} is outside the extension ranges {','.join(str(r) for r in plan.ranges)}")
