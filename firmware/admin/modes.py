"""Operating modes: what is in force and why, switching now, back to the timetable, the timetable."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.context import Admin
from firmware.modes import state as store
from firmware.modes.timetable import ModeNow


class ModeView(BaseModel):
    mode: str
    reason: str
    override: str | None = Field(description="temporary or fixed while an override is in force")
    override_until: str | None
    timetable: list[str] = Field(description="weekday intervals, e.g. 'mon 08:00-12:00 day'")
    holidays: dict[str, str]


class ModeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: str = Field(description="day, lunch, break, night or holiday")
    kind: Literal["temporary", "fixed"] = Field(
        default="temporary", description="temporary = until the next scheduled change; fixed = until cleared")


class DaySchedule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec: str = Field(description="'08:00-12:00 day, 12:00-13:00 lunch'; the rest of the day is night",
                      examples=["08:00-12:00 day, 12:00-13:00 lunch, 13:00-17:00 day"])


class Holiday(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", examples=["Christmas Day"])


class ModeLogEntry(BaseModel):
    at: str
    mode: str
    reason: str
    by: str


def show(admin: Admin) -> ModeView:
    now = store.mode_now(admin.db)
    override = store.override(admin.db)
    return ModeView(mode=now.mode, reason=now.reason, override=override.kind if override else None,
                    override_until=override.until.isoformat() if override and override.until else None,
                    timetable=[str(i) for i in store.intervals(admin.db)],
                    holidays={d.isoformat(): n for d, n in sorted(store.holidays(admin.db).items())})


def override(admin: Admin, change: ModeChange) -> ModeNow:
    """Switch now; the change log says who (the brain reads the mode per call: no reload)."""
    state = store.set_override(admin.db, change.mode, change.kind, by=admin.actor.who)
    admin.audit("mode.override", mode=change.mode, kind=change.kind)
    return state


def back_to_timetable(admin: Admin) -> ModeNow:
    state = store.clear_override(admin.db, by=admin.actor.who)
    admin.audit("mode.auto")
    return state


def set_schedule(admin: Admin, days: str, spec: str) -> None:
    store.set_day_schedule(admin.db, days, spec)
    admin.audit("mode.schedule", days=days, spec=spec)


def add_holiday(admin: Admin, day: str, name: str) -> None:
    store.add_holiday(admin.db, day, name)
    admin.audit("mode.holiday", date=day, name=name)


def remove_holiday(admin: Admin, day: str) -> None:
    store.remove_holiday(admin.db, day)
    admin.audit("mode.holiday_removed", date=day)


def log(admin: Admin, limit: int) -> list[ModeLogEntry]:
    rows = admin.db.execute("SELECT at, mode, reason, by FROM mode_log ORDER BY id DESC LIMIT ?", [limit]).fetchall()
    return [ModeLogEntry(at=str(a), mode=str(m), reason=str(r), by=str(b)) for a, m, r, b in rows]
