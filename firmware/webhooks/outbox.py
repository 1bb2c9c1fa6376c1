"""The outbox: one row per event and subscription, until delivered or given up.

Retries back off: 1 s, 2 s, 4 s, ... up to an hour between tries; after MAX_ATTEMPTS
(about a day of trying) the row stays with its last error, for the delivery log.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from firmware.store.database import write_transaction
from firmware.webhooks.events import CallEvent, CallProgress

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 3600.0
MAX_ATTEMPTS = 30


def _now() -> datetime:
    return datetime.now(UTC)


def enqueue(db: sqlite_utils.Database, events: list[CallEvent] | list[CallProgress]) -> int:
    """Queue each event for every subscription that wants it; returns how many rows were queued."""
    wanted = db.execute("SELECT name, events FROM webhooks").fetchall()
    if not wanted:
        return 0
    now = _now().isoformat(timespec="milliseconds")
    rows = [{"webhook": name, "event": event.event, "body": event.model_dump_json(), "created_at": now,
             "next_attempt_at": now}
            for event in events for name, names in wanted if event.event in str(names).split(",")]
    if rows:
        with write_transaction(db):
            db.table("webhook_outbox").insert_all(rows)
    return len(rows)


@dataclass(frozen=True)
class Delivery:
    id: int
    webhook: str
    url: str
    secret: str
    event: str
    body: str
    attempts: int


def due(db: sqlite_utils.Database, limit: int = 20) -> list[Delivery]:
    now = _now().isoformat(timespec="milliseconds")
    rows = db.execute(
        "SELECT o.id, o.webhook, w.url, w.secret, o.event, o.body, o.attempts FROM webhook_outbox o "
        "JOIN webhooks w ON w.name = o.webhook WHERE o.next_attempt_at != '' AND o.next_attempt_at <= ? "
        "ORDER BY o.id LIMIT ?", [now, limit]).fetchall()
    return [Delivery(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), int(r[6])) for r in rows]


def delivered(db: sqlite_utils.Database, delivery: Delivery) -> None:
    with write_transaction(db):
        db.execute("UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = '', delivered_at = ?, "
                   "last_error = '' WHERE id = ?", [_now().isoformat(timespec="milliseconds"), delivery.id])


def failed(db: sqlite_utils.Database, delivery: Delivery, error: str) -> None:
    attempts = delivery.attempts + 1
    wait = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (attempts - 1))
    retry = "" if attempts >= MAX_ATTEMPTS else (_now() + timedelta(seconds=wait)).isoformat(timespec="milliseconds")
    with write_transaction(db):
        db.execute("UPDATE webhook_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                   [attempts, retry, error[:300], delivery.id])


@dataclass(frozen=True)
class LogEntry:
    id: int
    event: str
    created_at: str
    attempts: int
    delivered_at: str
    next_attempt_at: str
    last_error: str


def delivery_log(db: sqlite_utils.Database, webhook: str, limit: int = 50) -> list[LogEntry]:
    rows = db.execute("SELECT id, event, created_at, attempts, delivered_at, next_attempt_at, last_error "
                      "FROM webhook_outbox WHERE webhook = ? ORDER BY id DESC LIMIT ?", [webhook, limit]).fetchall()
    return [LogEntry(int(r[0]), str(r[1]), str(r[2]), int(r[3]), str(r[4]), str(r[5]), str(r[6])) for r in rows]
