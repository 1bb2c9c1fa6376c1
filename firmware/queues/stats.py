"""What happened in the call queues over a period: figures per queue and per agent, from `queue_calls`.

Each row of `queue_calls` is one caller who reached a queue (firmware/queues/config.py
log_caller), with how it ended: answered (by `agent`, after `wait_seconds`, talking
`talk_seconds`), abandoned (hung up while waiting), overflow (sent to the overflow
destination: full, nobody logged in, waited too long) or left (pressed the leave key).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

from firmware.queues.config import Queue, QueueError, get_queue, list_queues

OUTCOMES = ("answered", "abandoned", "overflow", "left", "callback")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class AgentStats:
    extension: str
    answered: int
    talk_seconds: float  # all their answered calls together
    average_talk_seconds: float


@dataclass(frozen=True)
class QueueStats:
    queue: str
    from_date: str  # '' = since the first call
    to_date: str  # '' = up to now
    service_level_seconds: int
    offered: int  # every caller who reached the queue
    answered: int
    abandoned: int
    overflowed: int
    left: int
    answered_within_level: int  # answered after waiting at most service_level_seconds
    service_level_percent: float | None  # of the answered calls; None when none was answered
    average_wait_seconds: float  # over every caller, whatever the outcome
    longest_wait_seconds: float
    average_abandoned_wait_seconds: float  # how long those who gave up had waited
    average_talk_seconds: float  # over the answered calls
    agents: tuple[AgentStats, ...]  # the queue's agents in list order, then others who answered then
    callbacks_requested: int = 0  # callers who asked to be called back instead of waiting
    callbacks_completed: int = 0  # ... and were reached by an agent
    callbacks_failed: int = 0  # ... and were not reached in the tries allowed (or may not be dialled)


def queue_stats(db: sqlite_utils.Database, name: str | None = None, from_date: str | None = None,
                to_date: str | None = None) -> list[QueueStats]:
    """The figures of one queue (or of every queue, by name) for the callers who joined from
    `from_date` to `to_date`, both included (YYYY-MM-DD; days in UTC, as joined_at is written).

    Only queues that exist now are counted: a removed queue's rows stay, unreported."""
    start = _day(from_date, "from")
    end = _day(to_date, "to")
    if start and end and start > end:
        raise QueueError(f"from date {start} is after to date {end}; give the earlier date first")
    if name is None:
        queues = list_queues(db)
    else:
        queue = get_queue(db, name)
        if queue is None:
            raise QueueError(f"queue {name} does not exist; see `queue list`")
        queues = [queue]
    return [_figures(db, queue, start, end) for queue in queues]


def _day(text: str | None, which: str) -> str:
    if not text:
        return ""
    try:
        # fromisoformat alone would also take 20240501 or a week date.
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise QueueError(f"{which} date {text!r} is not accepted; use a date as YYYY-MM-DD, e.g. 2025-03-31") \
            from None


def _where(queue: str, start: str, end: str) -> tuple[str, list[object]]:
    # joined_at is ISO text: a day's rows sort from 'YYYY-MM-DD' to before the next day.
    clauses = ["queue = ?"]
    params: list[object] = [queue]
    if start:
        clauses.append("joined_at >= ?")
        params.append(start)
    if end:
        clauses.append("joined_at < ?")
        params.append((date.fromisoformat(end) + timedelta(days=1)).isoformat())
    return " AND ".join(clauses), params


def _figures(db: sqlite_utils.Database, queue: Queue, start: str, end: str) -> QueueStats:
    where, params = _where(queue.name, start, end)
    row = db.execute(
        "SELECT COUNT(*), "
        + ", ".join(f"TOTAL(outcome = '{outcome}')" for outcome in OUTCOMES)
        + ", TOTAL(outcome = 'answered' AND wait_seconds <= ?), TOTAL(wait_seconds), MAX(wait_seconds), "
        "TOTAL(CASE WHEN outcome = 'abandoned' THEN wait_seconds END), "
        f"TOTAL(CASE WHEN outcome = 'answered' THEN talk_seconds END) FROM queue_calls WHERE {where}",
        [queue.service_level_seconds, *params]).fetchone()
    offered = int(row[0])
    answered, abandoned, overflowed, left, requested, within = (int(v) for v in row[1:7])
    done, failed = _callbacks(db, queue.name, start, end)
    return QueueStats(
        queue=queue.name, from_date=start, to_date=end, service_level_seconds=queue.service_level_seconds,
        offered=offered, answered=answered, abandoned=abandoned, overflowed=overflowed, left=left,
        answered_within_level=within,
        service_level_percent=round(100 * within / answered, 1) if answered else None,
        average_wait_seconds=_average(row[7], offered), longest_wait_seconds=round(float(row[8] or 0), 1),
        average_abandoned_wait_seconds=_average(row[9], abandoned),
        average_talk_seconds=_average(row[10], answered),
        agents=_agents(db, queue, where, params),
        callbacks_requested=requested, callbacks_completed=done, callbacks_failed=failed)


def _callbacks(db: sqlite_utils.Database, queue: str, start: str, end: str) -> tuple[int, int]:
    """(completed, failed) of the callback requests made in the period."""
    where, params = _where(queue, start, end)
    row = db.execute(f"SELECT TOTAL(state = 'done'), TOTAL(state = 'failed') FROM queue_callbacks WHERE "
                     f"{where.replace('joined_at', 'requested_at')}", params).fetchone()
    return int(row[0]), int(row[1])


def _agents(db: sqlite_utils.Database, queue: Queue, where: str, params: list[object]) -> tuple[AgentStats, ...]:
    answered = {str(agent): (int(count), float(talk)) for agent, count, talk in db.execute(
        f"SELECT agent, COUNT(*), TOTAL(talk_seconds) FROM queue_calls WHERE {where} AND outcome = 'answered' "
        "AND agent != '' GROUP BY agent ORDER BY agent", params).fetchall()}
    # Every current agent shows, with nothing answered too; one who answered and has left the queue since as well.
    order = [*(a.extension for a in queue.agents), *(a for a in answered if queue.agent(a) is None)]
    return tuple(AgentStats(extension, count, round(talk, 1), _average(talk, count))
                 for extension in order for count, talk in [answered.get(extension, (0, 0.0))])


def _average(total: float | None, count: int) -> float:
    return round(float(total or 0) / count, 1) if count else 0.0
