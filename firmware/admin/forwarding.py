"""Forwarding and do-not-disturb of an extension (a user may change their own)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.context import Admin
from firmware.apps.forwarding import config as store


class ForwardingView(BaseModel):
    number: str
    dnd: bool
    always: str = Field(description="'' = not set; else ext:N, number:DIGITS or voicemail:N")
    busy: str
    no_answer: str
    no_answer_seconds: int
    unregistered: str


class ForwardingChange(BaseModel):
    """Fields left out are kept; '' unsets a forwarding. Plain digits are read as on a phone's keypad."""
    model_config = ConfigDict(extra="forbid")
    dnd: bool | None = None
    always: str | None = None
    busy: str | None = None
    no_answer: str | None = None
    no_answer_seconds: int | None = None
    unregistered: str | None = None


def _view(fwd: store.Forwarding) -> ForwardingView:
    return ForwardingView(number=fwd.number, dnd=fwd.dnd, always=fwd.always, busy=fwd.busy, no_answer=fwd.no_answer,
                          no_answer_seconds=fwd.no_answer_seconds, unregistered=fwd.unregistered)


def _target(admin: Admin, text: str) -> str:
    # Plain digits are what a user keys on the phone: an extension, or access code + outside number.
    return store.parse_phone_target(admin.db, text) if text.strip().isdigit() else text


def _check_extension(admin: Admin, number: str) -> None:
    if not admin.db.execute("SELECT 1 FROM extensions WHERE number = ?", [number]).fetchone():
        raise store.ForwardingError(f"extension {number} does not exist; see `ext list`")


def show(admin: Admin, number: str) -> ForwardingView:
    _check_extension(admin, number)
    return _view(store.get_forwarding(admin.db, number))


def change(admin: Admin, number: str, wanted: ForwardingChange) -> ForwardingView:
    """Brain reads forwarding per call: the next call follows it, no reload."""
    changes: dict[str, object] = {}
    for key, value in wanted.model_dump(exclude_none=True).items():
        changes[key] = _target(admin, value) if key in store.WHICH and value else value
    fwd = store.set_forwarding(admin.db, number, **changes)
    admin.audit("forwarding.change", number=number, **changes)
    return _view(fwd)


def clear(admin: Admin, number: str, which: str) -> ForwardingView:
    fwd = store.clear_forwarding(admin.db, number, which)
    admin.audit("forwarding.clear", number=number, which=which)
    return _view(fwd)


def set_dnd(admin: Admin, number: str, on: bool) -> ForwardingView:
    fwd = store.set_dnd(admin.db, number, on)
    admin.audit("forwarding.dnd", number=number, on=on)
    return _view(fwd)
