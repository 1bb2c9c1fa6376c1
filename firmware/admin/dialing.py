"""How an extension dials out: its class of service (and one per mode), the caller ID it calls out
with, and the trunk groups (lines) it may use.

The brain reads them per call, so the next call follows a change.
"""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin import classes_of_service as cos
from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.dialplan.cos import CosError
from firmware.store.database import write_transaction
from firmware.trunks.config import set_extension_groups

_CALLER_ID = re.compile(r"\+?[0-9]{1,20}")


class DialingView(BaseModel):
    class_of_service: str = Field(description="what it may dial in every mode without its own class")
    class_of_service_by_mode: dict[str, str] = Field(description="mode -> class of service in that mode")
    caller_id: str = Field(description="the number it calls out as ('' = the trunk's default)")
    lines: list[str] = Field(description="trunk groups it may use, in the order they are tried ([] = every group)")


class ClassAssignment(BaseModel):
    """Gives the extension a class of service, in every mode (`mode` null) or in one mode only."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    class_of_service: str = Field(alias="class", description="a class of service (`cos list`)", examples=["local"])
    mode: str | None = Field(default=None, description="day, lunch, break, night or holiday; null = every mode",
                             examples=[None, "night"])


class CallerIdChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    caller_id: str = Field(description="digits, optionally with a leading +; '' = the trunk's default",
                           examples=["+493012345101"])


class LinesChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    groups: list[str] = Field(description="trunk groups in the order they are tried; [] = every group",
                              examples=[["landline", "mobile"]])


def _existing(admin: Admin, number: str) -> tuple[str, str]:
    row = admin.db.execute("SELECT cos, caller_id FROM extensions WHERE number = ?", [number]).fetchone()
    if row is None:
        raise NotFound(f"extension {number} does not exist; see `ext list`")
    return str(row[0]), str(row[1] or "")


def show(admin: Admin, number: str) -> DialingView:
    profile, caller_id = _existing(admin, number)
    by_mode = dict(admin.db.execute("SELECT mode, cos FROM mode_cos WHERE number = ? ORDER BY mode",
                                    [number]).fetchall())
    lines = [str(g) for (g,) in admin.db.execute(
        "SELECT group_name FROM extension_groups WHERE number = ? ORDER BY position", [number]).fetchall()]
    return DialingView(class_of_service=profile, class_of_service_by_mode=by_mode, caller_id=caller_id, lines=lines)


def assign_class(admin: Admin, number: str, assignment: ClassAssignment) -> DialingView:
    _existing(admin, number)
    cos.assign(admin, number, assignment.class_of_service, assignment.mode or "")
    return show(admin, number)


def unassign_class(admin: Admin, number: str, mode: str) -> DialingView:
    """The extension no longer has a class of service of its own in `mode` (everyone's for it applies, else
    its own)."""
    _existing(admin, number)
    cos.unassign(admin, number, mode)
    return show(admin, number)


def set_caller_id(admin: Admin, number: str, change: CallerIdChange) -> DialingView:
    _existing(admin, number)
    caller_id = change.caller_id
    if caller_id and not _CALLER_ID.fullmatch(caller_id):
        raise CosError(f"caller ID {caller_id!r} is not a phone number; use digits, optionally with a leading + "
                       "('' = the trunk's default)")
    with write_transaction(admin.db):
        admin.db.execute("UPDATE extensions SET caller_id = ? WHERE number = ?", [caller_id, number])
    admin.audit("extension.caller_id", number=number, caller_id=caller_id)
    return show(admin, number)


def set_lines(admin: Admin, number: str, change: LinesChange) -> DialingView:
    _existing(admin, number)
    groups = change.groups
    set_extension_groups(admin.db, number, groups)
    admin.audit("extension.lines", number=number, groups=",".join(groups))
    return show(admin, number)
