"""Operating modes (Panasonic "time service"): which mode applies at a moment.

Modes: day, lunch, break, night, and holiday. A weekly timetable of intervals
(weekday, start, end, mode) says when day, lunch and break apply; outside every
interval it is night. A holiday makes the whole day 'holiday'. A manual override
beats both: 'temporary' lasts until the next scheduled change, 'fixed' until it
is cleared. Everything here is a pure function of its inputs and a given time.
"""
from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

MODES = ("day", "lunch", "break", "night", "holiday")
SCHEDULED_MODES = ("day", "lunch", "break", "night")
DEFAULT_MODE = "night"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])|24:00")


class TimetableError(ValueError):
    """A timetable, holiday or override that cannot be used; the message names it."""


@dataclass(frozen=True, order=True)
class Interval:
    weekday: int  # 0 = Monday
    start: str  # HH:MM
    end: str  # HH:MM, after start; 24:00 = midnight at the end of the day
    mode: str

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.start}-{self.end} {self.mode}"


@dataclass(frozen=True)
class Override:
    mode: str
    kind: str  # temporary or fixed
    set_by: str
    set_at: datetime
    until: datetime | None  # end of a temporary override


@dataclass(frozen=True)
class ModeNow:
    mode: str
    reason: str  # schedule, holiday: NAME, temporary override by X, fixed override by X
    since_change: datetime | None = None


def check_mode(mode: str, *, allow_holiday: bool = True) -> str:
    accepted = MODES if allow_holiday else SCHEDULED_MODES
    if mode not in accepted:
        raise TimetableError(f"mode {mode!r} is not known; use one of: {', '.join(accepted)}")
    return mode


@functools.cache
def _zone_names() -> frozenset[str]:
    # available_timezones() walks the whole zone database on disk; the mode is looked up
    # every second (the front panel, routing), so the list is read once per process.
    return frozenset(available_timezones())


def check_timezone(name: str) -> ZoneInfo:
    try:
        if name not in _zone_names() and name != "UTC":
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimetableError(f"time zone {name!r} does not exist; use a name such as Europe/Berlin, "
                             "America/New_York or UTC") from None


def _minutes(hhmm: str) -> int:
    if not _HHMM.fullmatch(hhmm):
        raise TimetableError(f"time {hhmm!r} is not accepted; use HH:MM between 00:00 and 24:00")
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def parse_weekdays(text: str) -> list[int]:
    """'mon-fri', 'sat', 'mon,wed' -> weekday numbers."""
    days: list[int] = []
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        first, sep, last = part.partition("-")
        try:
            a = WEEKDAYS.index(first)
            b = WEEKDAYS.index(last) if sep else a
        except ValueError:
            raise TimetableError(f"weekday {part!r} is not accepted; use mon..sun, ranges like mon-fri") from None
        if b < a:
            raise TimetableError(f"weekday range {part!r} runs backwards; write e.g. mon-fri")
        days.extend(range(a, b + 1))
    if not days:
        raise TimetableError("no weekday given; use e.g. mon-fri")
    return days


def validate(intervals: list[Interval]) -> list[Interval]:
    """Sorted intervals, or TimetableError naming the bad or overlapping ones."""
    for interval in intervals:
        check_mode(interval.mode, allow_holiday=False)
        if not 0 <= interval.weekday <= 6:
            raise TimetableError(f"weekday {interval.weekday} is not 0-6 (Monday-Sunday)")
        if _minutes(interval.end) <= _minutes(interval.start):
            raise TimetableError(f"interval {interval} ends before it starts; write start-end, e.g. 08:00-12:00")
    ordered = sorted(intervals, key=lambda i: (i.weekday, _minutes(i.start)))
    for a, b in itertools.pairwise(ordered):
        if a.weekday == b.weekday and _minutes(b.start) < _minutes(a.end):
            raise TimetableError(f"intervals {a} and {b} overlap")
    return ordered


def scheduled_mode(intervals: list[Interval], at: datetime) -> str:
    minute = at.hour * 60 + at.minute
    for interval in intervals:
        if interval.weekday == at.weekday() and _minutes(interval.start) <= minute < _minutes(interval.end):
            return interval.mode
    return DEFAULT_MODE


def next_change(intervals: list[Interval], holidays: dict[date, str], at: datetime) -> datetime:
    """The next moment (within 8 days) at which the schedule or a holiday changes the mode."""
    current = _base_mode(intervals, holidays, at)
    candidates: list[datetime] = []
    for day_offset in range(0, 9):
        day = (at + timedelta(days=day_offset)).date()
        points = {time(0, 0)}
        for interval in intervals:
            if interval.weekday == day.weekday():
                for hhmm in (interval.start, interval.end):
                    m = _minutes(hhmm)
                    if m < 24 * 60:
                        points.add(time(m // 60, m % 60))
        for point in sorted(points):
            moment = datetime.combine(day, point, tzinfo=at.tzinfo)
            if moment > at and _base_mode(intervals, holidays, moment) != current:
                candidates.append(moment)
                break
        if candidates:
            return candidates[0]
    return at + timedelta(days=8)


def _base_mode(intervals: list[Interval], holidays: dict[date, str], at: datetime) -> str:
    return "holiday" if at.date() in holidays else scheduled_mode(intervals, at)


def current_mode(intervals: list[Interval], holidays: dict[date, str], override: Override | None,
                 at: datetime) -> ModeNow:
    """The mode in force at `at` (a timezone-aware local time) and why."""
    if override is not None:
        if override.kind == "fixed":
            return ModeNow(override.mode, f"fixed override by {override.set_by}")
        if override.until is not None and at < override.until:
            return ModeNow(override.mode, f"temporary override by {override.set_by} until "
                                          f"{override.until:%a %H:%M}")
    if at.date() in holidays:
        return ModeNow("holiday", f"holiday: {holidays[at.date()]}")
    return ModeNow(scheduled_mode(intervals, at), "schedule")
