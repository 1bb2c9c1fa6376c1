"""The blocked and VIP caller lists: a blocked caller is refused on every trunk, a VIP caller goes
straight to the VIP entry's destination; list, set, remove.

The brain reads them per call, so the next call follows a change.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.store.database import write_transaction
from firmware.trunks import inbound as store

CallerList = Literal["blocked", "vip"]


class CallerView(BaseModel):
    number: str = Field(description="the caller's number as the trunk sends it")
    destination: str = Field(description="where a VIP caller goes ('' on the blocked list)")
    note: str


class BlockedChange(BaseModel):
    """Puts the number on the blocked list, or replaces its note."""
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=200, examples=["cold caller"])


class VipChange(BaseModel):
    """Puts the number on the VIP list, or changes where it goes."""
    model_config = ConfigDict(extra="forbid")
    destination: str = Field(description="ext:N, group:NAME, queue:NAME, ivr:NAME, voicemail:N, number:DIGITS, ...",
                             examples=["ext:101"])
    note: str = Field(default="", max_length=200)


def list_all(admin: Admin, name: CallerList) -> list[CallerView]:
    rows = admin.db.execute("SELECT number, destination, note FROM caller_lists WHERE list = ? ORDER BY number",
                            [name]).fetchall()
    return [CallerView(number=str(n), destination=str(d or ""), note=str(note or "")) for n, d, note in rows]


def _found(admin: Admin, name: CallerList, number: str) -> CallerView:
    view = next((c for c in list_all(admin, name) if c.number == number), None)
    if view is None:
        raise NotFound(f"{number} is not on the {name} list")
    return view


def set_caller(admin: Admin, name: CallerList, number: str, destination: str = "", note: str = "") -> CallerView:
    """Validates the number (and a VIP's destination) and writes the entry; the next call follows it."""
    with write_transaction(admin.db):
        store.set_caller_list(admin.db, name, number, destination, note)
    view = _found(admin, name, number)
    admin.audit(f"caller.{name}.set", number=number, destination=view.destination, note=note)
    return view


def remove(admin: Admin, name: CallerList, number: str) -> None:
    _found(admin, name, number)
    with write_transaction(admin.db):
        admin.db.execute("DELETE FROM caller_lists WHERE list = ? AND number = ?", [name, number])
    admin.audit(f"caller.{name}.remove", number=number)
