"""Call park: a call put aside in a numbered slot, for anyone to take back by dialling it.

A call transferred to the park number (`park_number`, default 700) takes the first
free slot of `park_slots` (default 701-720); the parker hears the slot spoken and
the parked caller hears music. Dialling the slot joins the caller to whoever dialled
it. After `park_timeout` seconds (default 120) the parked call rings the parker
again, then the operator extension. Page and park (page_park.py) parks the same
way and announces the slot to a paging group.

    parked --slot dialled--> retrieved (a conversation again)
      |---park_timeout--> ringing the parker --no answer--> ringing the operator
      +---caller hangs up--> gone
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import sqlite_utils

from firmware.dialplan.numbering import PlanError, parse_ranges
from firmware.store.settings import get_setting


@dataclass
class Parked:
    slot: str
    call_id: str
    leg: str  # the parked party's leg
    parker: str  # extension that parked it
    timer: asyncio.TimerHandle | None = None
    paged: str = ""  # page and park (calls/page_park.py): the paging group told of it
    paged_at: float = 0.0  # loop time of the page: *86 takes the most recent


def park_slots(db: sqlite_utils.Database) -> list[str]:
    """The slot numbers, in the order they are taken."""
    try:
        ranges = parse_ranges(str(get_setting(db, "park_slots")))
    except PlanError:
        return []
    return [str(n).zfill(r.digits) for r in ranges for n in range(r.low, r.high + 1)]


class ParkLot:
    def __init__(self) -> None:
        self.parked: dict[str, Parked] = {}  # slot -> what waits there

    def free_slot(self, slots: list[str]) -> str | None:
        return next((slot for slot in slots if slot not in self.parked), None)

    def put(self, parked: Parked) -> None:
        self.parked[parked.slot] = parked

    def take(self, slot: str) -> Parked | None:
        parked = self.parked.pop(slot, None)
        if parked is not None and parked.timer is not None:
            parked.timer.cancel()
        return parked

    def last_paged(self) -> Parked | None:
        """The call most recently parked by page and park that still waits, or None."""
        return max((p for p in self.parked.values() if p.paged), key=lambda p: p.paged_at, default=None)

    def snapshot(self) -> list[dict[str, str]]:
        return [{"slot": p.slot, "parker": p.parker, **({"paged": p.paged} if p.paged else {})}
                for p in sorted(self.parked.values(), key=lambda p: p.slot)]
