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


def assign(admin: Admin, number: str, profile: str, mode: str = "") -> None:
    """Extension `number` dials with `profile` (in `mode` only, when given); '*' with a mode is
    everyone's in that mode. The next call follows it."""
    store.check_profile(admin.db, profile)
    if number != "*" and not admin.db.execute("SELECT 1 FROM extensions WHERE number = ?", [number]).fetchone():
        raise store.CosError(f"extension {number} does not exist; see `ext list`")
    if mode and mode not in MODES:
        raise store.CosError(f"mode {mode!r} is not known; use one of: {', '.join(MODES)}")
    if not mode and number == "*":
        raise store.CosError("'*' (everyone) needs --mode; a default is set per extension")
    with write_transaction(admin.db):
        if mode:
            admin.db.execute("INSERT OR REPLACE INTO mode_cos (number, mode, cos) VALUES (?, ?, ?)",
                             [number, mode, profile])
        else:
            admin.db.execute("UPDATE extensions SET cos = ? WHERE number = ?", [profile, number])
    admin.audit("cos.assign", number=number, profile=profile, mode=mode or "every mode")
