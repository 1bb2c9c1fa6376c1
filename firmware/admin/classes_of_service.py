"""Classes of service: which call classes (and rights) a profile allows; list, show, set, remove.

The brain reads them per call, so the next call follows a change.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.dialplan import cos as store
from firmware.dialplan.call_classes import CLASSES
from firmware.modes.timetable import MODES
from firmware.store.database import write_transaction

_ACCEPTED = (*CLASSES, *store.PERMISSIONS)


class ClassOfServiceView(BaseModel):
    name: str
    allows: list[str] = Field(description="call classes, and 'modes' (may switch the operating mode)")
    used_by: list[str] = Field(description="who dials with it: extensions, modes, voice menus, queue callbacks")


class ClassOfServiceChange(BaseModel):
    """Creates the class of service, or replaces what it allows."""
    model_config = ConfigDict(extra="forbid")
    allows: list[str] = Field(description=f"any of: {', '.join(_ACCEPTED)}", examples=[["internal", "local"]])


def _view(admin: Admin, name: str, classes: frozenset[str]) -> ClassOfServiceView:
    return ClassOfServiceView(name=name, allows=[c for c in _ACCEPTED if c in classes],
                              used_by=store.where_used(admin.db, name))


def list_all(admin: Admin) -> list[ClassOfServiceView]:
    return [_view(admin, name, classes) for name, classes in sorted(store.profiles(admin.db).items())]


def get(admin: Admin, name: str) -> ClassOfServiceView:
    classes = store.profiles(admin.db).get(name)
    if classes is None:
        raise NotFound(f"class of service {name} does not exist; see `cos list`")
    return _view(admin, name, classes)


def set_profile(admin: Admin, name: str, change: ClassOfServiceChange) -> ClassOfServiceView:
    store.set_profile(admin.db, name, ",".join(change.allows))
    admin.audit("cos.set", name=name, allows=",".join(change.allows))
    return get(admin, name)


def remove(admin: Admin, name: str) -> None:
    get(admin, name)
    store.remove_profile(admin.db, name)
    admin.audit("cos.remove", name=name)


class EveryoneView(BaseModel):
    class_of_service_by_mode: dict[str, str] = Field(
        description="mode -> the class of service everyone dials with in that mode (unless an extension has its "
                    "own for the mode); a mode not listed: each extension's own class of service")


class EveryoneAssignment(BaseModel):
    """Gives everyone a class of service in one mode."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    class_of_service: str = Field(alias="class", description="a class of service (`cos list`)",
                                  examples=["internal"])


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise store.CosError(f"mode {mode!r} is not known; use one of: {', '.join(MODES)}")
    return mode


def _check_number(admin: Admin, number: str) -> str:
    if number != "*" and not admin.db.execute("SELECT 1 FROM extensions WHERE number = ?", [number]).fetchone():
        raise store.CosError(f"extension {number} does not exist; see `ext list`")
    return number


def assign(admin: Admin, number: str, profile: str, mode: str = "") -> None:
    """Extension `number` dials with `profile` (in `mode` only, when given); '*' with a mode is
    everyone's in that mode. The next call follows it."""
    store.check_profile(admin.db, profile)
    _check_number(admin, number)
    if mode:
        _check_mode(mode)
    if not mode and number == "*":
        raise store.CosError("'*' (everyone) needs --mode; a default is set per extension")
    with write_transaction(admin.db):
        if mode:
            admin.db.execute("INSERT OR REPLACE INTO mode_cos (number, mode, cos) VALUES (?, ?, ?)",
                             [number, mode, profile])
        else:
            admin.db.execute("UPDATE extensions SET cos = ? WHERE number = ?", [profile, number])
    admin.audit("cos.assign", number=number, profile=profile, mode=mode or "every mode")


def unassign(admin: Admin, number: str, mode: str) -> None:
    """Extension `number` ('*': everyone) no longer has a class of service of its own in `mode`: it dials
    with everyone's for the mode, else its own. The next call follows it."""
    _check_number(admin, number)
    _check_mode(mode)
    with write_transaction(admin.db):
        gone = admin.db.execute("DELETE FROM mode_cos WHERE number = ? AND mode = ?", [number, mode]).rowcount
    if not gone:
        who = "everyone" if number == "*" else f"extension {number}"
        raise NotFound(f"{who} has no class of service of its own in {mode} mode; see `cos list`")
    admin.audit("cos.unassign", number=number, mode=mode)


def everyone(admin: Admin) -> EveryoneView:
    return EveryoneView(class_of_service_by_mode=dict(admin.db.execute(
        "SELECT mode, cos FROM mode_cos WHERE number = '*' ORDER BY mode").fetchall()))


def assign_everyone(admin: Admin, mode: str, assignment: EveryoneAssignment) -> EveryoneView:
    assign(admin, "*", assignment.class_of_service, _check_mode(mode))
    return everyone(admin)


def unassign_everyone(admin: Admin, mode: str) -> EveryoneView:
    unassign(admin, "*", mode)
    return everyone(admin)
