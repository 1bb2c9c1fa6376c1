"""Call detail records: what is written is what a report reads back."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlite_utils

from firmware.store.cdr import CallRecord, recent_cdr, write_cdr

START = datetime(2025, 3, 14, 9, 30, 0, 250000, tzinfo=UTC)


def test_answered_call_round_trip_with_talk_time(db: sqlite_utils.Database) -> None:
    record = CallRecord(
        call_id="abc@127.0.0.1", caller="101", called="102", started_at=START,
        answered_at=START + timedelta(seconds=4.5), ended_at=START + timedelta(seconds=47.125),
        disposition="answered", hangup_cause="the caller hung up", hangup_by="caller",
        answered_by="102", worker=2,
    )
    write_cdr(db, record)
    [row] = recent_cdr(db)
    assert row["call_id"] == "abc@127.0.0.1"
    assert (row["caller"], row["called"], row["answered_by"]) == ("101", "102", "102")
    assert row["started_at"] == "2025-03-14T09:30:00.250+00:00"
    assert row["answered_at"] == "2025-03-14T09:30:04.750+00:00"
    assert row["ended_at"] == "2025-03-14T09:30:47.375+00:00"
    assert row["talk_seconds"] == 42.625
    assert (row["disposition"], row["hangup_cause"], row["hangup_by"], row["worker"]) == (
        "answered", "the caller hung up", "caller", 2)


def test_unanswered_call_has_no_talk_time(db: sqlite_utils.Database) -> None:
    write_cdr(db, CallRecord(
        call_id="x", caller="101", called="103", started_at=START, ended_at=START + timedelta(seconds=30),
        disposition="no_answer", hangup_cause="nobody answered within 30 s", hangup_by="system",
    ))
    [row] = recent_cdr(db)
    assert row["talk_seconds"] == 0.0
    assert row["answered_by"] is None and row["answered_at"] is None and row["worker"] is None


def test_recent_records_come_newest_first_and_limited(db: sqlite_utils.Database) -> None:
    for n in range(5):
        write_cdr(db, CallRecord(
            call_id=f"call-{n}", caller="101", called="102", started_at=START + timedelta(minutes=n),
            ended_at=START + timedelta(minutes=n, seconds=5), disposition="busy",
            hangup_cause="the called extension was busy", hangup_by="callee",
        ))
    assert [r["call_id"] for r in recent_cdr(db, limit=3)] == ["call-4", "call-3", "call-2"]
