"""The figures of a period per queue and agent, from one row per caller (queue_calls), and the
admin operations the command line and the HTTP API share: views, agents' changes, audit rows."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pydantic
import pytest
import sqlite_utils

from firmware.admin import queues
from firmware.admin.context import Admin, audit_log
from firmware.admin.errors import NotFound
from firmware.queues.config import QueueError, log_caller, log_talk, set_queue
from firmware.queues.stats import AgentStats, queue_stats

# (day, outcome, agent, wait, talk) of the callers of queue sales; service level 20 s.
CALLERS = [
    ("2025-03-01T09:00:00", "answered", "101", 10.0, 100.0),
    ("2025-03-01T12:00:00", "answered", "102", 30.0, 50.0),
    ("2025-03-01T23:59:59", "abandoned", "", 40.0, 0.0),
    ("2025-03-02T00:00:00", "answered", "101", 20.0, 200.0),  # exactly the service level: within it
    ("2025-03-02T10:00:00", "overflow", "", 60.0, 0.0),
    ("2025-03-02T11:00:00", "left", "", 5.0, 0.0),
    ("2025-03-03T08:00:00", "answered", "104", 2.0, 30.0),  # 104 is no agent of sales any more
]


@pytest.fixture
def admin(db: sqlite_utils.Database, tmp_path: Path) -> Admin:
    set_queue(db, "sales", overflow="voicemail:101", agents=["102", "101", "103~"])
    set_queue(db, "support", overflow="hangup", agents=["101"], service_level_seconds=60)
    for at, outcome, agent, wait, talk in CALLERS:
        row = log_caller(db, queue="sales", call_id=f"call-{at}", caller="0301234567",
                         joined_at=datetime.fromisoformat(at).replace(tzinfo=UTC), outcome=outcome, agent=agent,
                         wait_seconds=wait)
        if talk:
            log_talk(db, row, talk)
    log_caller(db, queue="support", call_id="other", caller="0307654321",
               joined_at=datetime(2025, 3, 1, 10, tzinfo=UTC), outcome="answered", agent="101", wait_seconds=50)
    return Admin(db, tmp_path / "data")


def test_every_figure_of_a_queue_and_its_agents(admin: Admin) -> None:
    [sales] = queue_stats(admin.db, "sales")
    assert (sales.queue, sales.from_date, sales.to_date, sales.service_level_seconds) == ("sales", "", "", 20)
    assert (sales.offered, sales.answered, sales.abandoned, sales.overflowed, sales.left) == (7, 4, 1, 1, 1)
    assert (sales.answered_within_level, sales.service_level_percent) == (3, 75.0)
    assert (sales.average_wait_seconds, sales.longest_wait_seconds) == (23.9, 60.0)  # 167 s / 7
    assert (sales.average_abandoned_wait_seconds, sales.average_talk_seconds) == (40.0, 95.0)
    # The queue's agents in list order (one who took nothing too), then one who has left it since.
    assert sales.agents == (AgentStats("102", 1, 50.0, 50.0), AgentStats("101", 2, 300.0, 150.0),
                            AgentStats("103", 0, 0.0, 0.0), AgentStats("104", 1, 30.0, 30.0))


def test_dates_are_whole_days_both_included(admin: Admin) -> None:
    [day] = queue_stats(admin.db, "sales", "2025-03-02", "2025-03-02")
    assert (day.from_date, day.to_date, day.offered, day.answered, day.overflowed, day.left) == (
        "2025-03-02", "2025-03-02", 3, 1, 1, 1)
    assert (day.service_level_percent, day.average_wait_seconds, day.average_talk_seconds) == (100.0, 28.3, 200.0)
    assert [(a.extension, a.answered) for a in day.agents] == [("102", 0), ("101", 1), ("103", 0)]
    [first] = queue_stats(admin.db, "sales", to_date="2025-03-01")
    assert (first.offered, first.answered, first.abandoned, first.service_level_percent) == (3, 2, 1, 50.0)
    [last] = queue_stats(admin.db, "sales", from_date="2025-03-03")
    assert (last.offered, last.answered) == (1, 1)


def test_every_queue_and_a_period_without_callers(admin: Admin) -> None:
    sales, support = queue_stats(admin.db)
    assert (sales.queue, support.queue, support.offered, support.answered_within_level) == ("sales", "support", 1, 1)
    [quiet] = queue_stats(admin.db, "support", "2025-04-01", "2025-04-30")
    assert (quiet.offered, quiet.answered, quiet.service_level_percent, quiet.average_wait_seconds,
            quiet.longest_wait_seconds, quiet.average_talk_seconds) == (0, 0, None, 0.0, 0.0, 0.0)
    assert quiet.agents == (AgentStats("101", 0, 0.0, 0.0),)


@pytest.mark.parametrize(("name", "start", "end", "message"), [
    ("sales", "2025-13-01", None, "from date '2025-13-01' is not accepted; use a date as YYYY-MM-DD, e.g. 2025-03-31"),
    ("sales", "20250301", None, "from date '20250301' is not accepted; use a date as YYYY-MM-DD"),
    ("sales", None, "yesterday", "to date 'yesterday' is not accepted; use a date as YYYY-MM-DD"),
    ("sales", "2025-03-02", "2025-03-01", "from date 2025-03-02 is after to date 2025-03-01; give the earlier date "
                                          "first"),
    ("nope", None, None, "queue nope does not exist; see `queue list`"),
])
def test_refused_periods_and_queues_are_named(admin: Admin, name: str, start: str | None, end: str | None,
                                              message: str) -> None:
    with pytest.raises(QueueError) as refused:
        queue_stats(admin.db, name, start, end)
    assert message in str(refused.value)


def test_the_admin_figures_are_the_same_as_views(admin: Admin) -> None:
    [view] = queues.stats(admin, "sales", "2025-03-01", "2025-03-01")
    assert view.model_dump() == {
        "queue": "sales", "from_date": "2025-03-01", "to_date": "2025-03-01", "service_level_seconds": 20,
        "offered": 3, "answered": 2, "abandoned": 1, "overflowed": 0, "left": 0, "answered_within_level": 1,
        "service_level_percent": 50.0, "average_wait_seconds": 26.7, "longest_wait_seconds": 40.0,
        "average_abandoned_wait_seconds": 40.0, "average_talk_seconds": 75.0,
        "agents": [{"extension": "102", "answered": 1, "talk_seconds": 50.0, "average_talk_seconds": 50.0},
                   {"extension": "101", "answered": 1, "talk_seconds": 100.0, "average_talk_seconds": 100.0},
                   {"extension": "103", "answered": 0, "talk_seconds": 0.0, "average_talk_seconds": 0.0}],
        "callbacks_requested": 0, "callbacks_completed": 0, "callbacks_failed": 0}
    with pytest.raises(NotFound, match="queue nope does not exist"):
        queues.stats(admin, "nope")


def test_views_show_agents_as_objects_and_every_change_is_audited(admin: Admin) -> None:
    view = queues.set_queue(admin, "front", queues.QueueChange(number="600", overflow="ext:104",
                                                               agents=["101", "102:2~"]))
    assert [a.model_dump() for a in view.agents] == [
        {"extension": "101", "penalty": 0, "dynamic": False, "logged_in": True, "paused": False, "pause_reason": "",
         "via": ""},
        {"extension": "102", "penalty": 2, "dynamic": True, "logged_in": False, "paused": False, "pause_reason": "",
         "via": ""}]
    assert queues.get(admin, "front") == view
    assert [q.name for q in queues.list_all(admin)] == ["front", "sales", "support"]
    assert queues.login(admin, "front", "102").logged_in is True
    assert queues.pause(admin, "front", "102", "4").model_dump() == {
        "extension": "102", "penalty": 2, "dynamic": True, "logged_in": True, "paused": True, "pause_reason": "4",
        "via": ""}
    assert queues.unpause(admin, "front", "102").paused is False
    assert queues.logout(admin, "front", "102").logged_in is False
    queues.remove(admin, "front")
    entries = [(e.action, json.loads(e.detail)) for e in reversed(audit_log(admin.db))]
    assert entries == [
        ("queue.set", {"name": "front", "number": "600", "overflow": "ext:104", "agents": ["101", "102:2~"]}),
        ("queue.login", {"name": "front", "extension": "102"}),
        ("queue.pause", {"name": "front", "extension": "102", "reason": "4"}),
        ("queue.unpause", {"name": "front", "extension": "102"}),
        ("queue.logout", {"name": "front", "extension": "102"}),
        ("queue.remove", {"name": "front"}),
    ]


def test_refused_admin_changes_are_not_audited(admin: Admin) -> None:
    for refused in (lambda: queues.get(admin, "nope"), lambda: queues.remove(admin, "nope"),
                    lambda: queues.login(admin, "nope", "101")):
        with pytest.raises(NotFound, match="queue nope does not exist; see `queue list`"):
            refused()
    with pytest.raises(QueueError, match="101 is a static agent of queue sales"):
        queues.logout(admin, "sales", "101")
    with pytest.raises(QueueError, match="ring time 2 s is not accepted"):
        queues.set_queue(admin, "sales", queues.QueueChange(ring_seconds=2))
    with pytest.raises(pydantic.ValidationError, match="ring_time"):
        queues.QueueChange.model_validate({"ring_time": 20})
    assert audit_log(admin.db) == []
