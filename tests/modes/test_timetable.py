"""The operating-mode timetable, driven by explicit times (no sleeping)."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils

from firmware.modes.state import (
    add_holiday,
    clear_override,
    mode_now,
    set_day_schedule,
    set_override,
)
from firmware.modes.timetable import Interval, TimetableError, check_timezone, next_change, parse_weekdays, validate
from firmware.store.database import open_store
from firmware.store.settings import SettingError, set_setting

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = "08:00-12:00 day, 12:00-12:45 lunch, 12:45-15:00 day, 15:00-15:15 break, 15:15-17:00 day"


def at(day: int, hhmm: str) -> datetime:
    """Monday 2026-11-23 + day, local Berlin time."""
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(2026, 11, 23 + day, hours, minutes, tzinfo=BERLIN)


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    store = open_store(tmp_path)
    set_setting(store, "timezone", "Europe/Berlin")
    set_day_schedule(store, "mon-fri", OFFICE)
    return store


@pytest.mark.parametrize(("moment", "mode"), [
    (at(0, "07:59"), "night"), (at(0, "08:00"), "day"), (at(0, "11:59"), "day"), (at(0, "12:00"), "lunch"),
    (at(0, "12:44"), "lunch"), (at(0, "12:45"), "day"), (at(0, "15:05"), "break"), (at(0, "16:59"), "day"),
    (at(0, "17:00"), "night"), (at(4, "10:00"), "day"), (at(5, "10:00"), "night"), (at(6, "10:00"), "night"),
])
def test_the_timetable_switches_modes_through_the_day(db: sqlite_utils.Database, moment: datetime, mode: str) -> None:
    state = mode_now(db, moment)
    assert (state.mode, state.reason) == (mode, "schedule")


def test_a_holiday_is_holiday_all_day(db: sqlite_utils.Database) -> None:
    add_holiday(db, "2026-11-25", "Staff day")
    assert mode_now(db, at(2, "10:00")).mode == "holiday"
    assert mode_now(db, at(2, "10:00")).reason == "holiday: Staff day"
    assert mode_now(db, at(3, "10:00")).mode == "day"


def test_temporary_override_ends_at_the_next_scheduled_change(db: sqlite_utils.Database) -> None:
    state = set_override(db, "night", "temporary", by="extension 101", now=at(0, "10:00"))
    assert state.mode == "night" and "temporary override by extension 101" in state.reason
    assert mode_now(db, at(0, "11:59")).mode == "night"
    # At 12:00 the timetable changes (to lunch): the override is over.
    assert mode_now(db, at(0, "12:00")).mode == "lunch"
    assert mode_now(db, at(0, "13:00")).reason == "schedule"


def test_fixed_override_stays_until_switched_back(db: sqlite_utils.Database) -> None:
    set_override(db, "night", "fixed", by="front panel", now=at(0, "10:00"))
    for moment in (at(0, "12:00"), at(1, "09:00"), at(4, "16:00")):
        assert mode_now(db, moment).mode == "night"
        assert mode_now(db, moment).reason == "fixed override by front panel"
    clear_override(db, by="front panel", now=at(1, "09:00"))
    assert mode_now(db, at(1, "09:00")).mode == "day"
    log = db.execute("SELECT mode, by FROM mode_log ORDER BY id").fetchall()
    assert log == [("night", "front panel"), ("day", "front panel")]


def test_override_beats_a_holiday(db: sqlite_utils.Database) -> None:
    add_holiday(db, "2026-11-23", "Founders' day")
    set_override(db, "day", "fixed", by="cli", now=at(0, "09:00"))
    assert mode_now(db, at(0, "09:30")).mode == "day"


def test_next_change_crosses_nights_and_weekends(db: sqlite_utils.Database) -> None:
    from firmware.modes.state import holidays, intervals

    assert next_change(intervals(db), holidays(db), at(0, "17:30")) == at(1, "08:00")
    assert next_change(intervals(db), holidays(db), at(4, "17:30")) == at(7, "08:00")  # Friday -> Monday


@pytest.mark.parametrize(("spec", "message"), [
    ("09:00-08:00 day", "ends before it starts"),
    ("08:00-12:00 day, 11:00-13:00 lunch", "overlap"),
    ("08:00-25:00 day", "HH:MM"),
    ("8-12 day", "HH:MM"),
    ("08:00-12:00 siesta", "mode 'siesta' is not known"),
    ("08:00-12:00", "write e.g."),
])
def test_bad_timetables_are_refused_and_change_nothing(db: sqlite_utils.Database, spec: str, message: str) -> None:
    before = db.execute("SELECT * FROM mode_schedule").fetchall()
    with pytest.raises(TimetableError, match=message):
        set_day_schedule(db, "mon", spec)
    assert db.execute("SELECT * FROM mode_schedule").fetchall() == before


def test_bad_weekdays_timezones_and_dates(db: sqlite_utils.Database) -> None:
    with pytest.raises(TimetableError, match="weekday 'funday'"):
        parse_weekdays("funday")
    with pytest.raises(TimetableError, match="runs backwards"):
        parse_weekdays("fri-mon")
    with pytest.raises(TimetableError, match="does not exist"):
        check_timezone("Europe/Atlantis")
    with pytest.raises(SettingError, match="Europe/Atlantis"):
        set_setting(db, "timezone", "Europe/Atlantis")
    with pytest.raises(TimetableError, match="YYYY-MM-DD"):
        add_holiday(db, "25.12.2026", "Christmas")


def test_validate_sorts_intervals() -> None:
    ordered = validate([Interval(0, "13:00", "17:00", "day"), Interval(0, "08:00", "12:00", "day")])
    assert [i.start for i in ordered] == ["08:00", "13:00"]
    assert date(2026, 11, 23).weekday() == 0
