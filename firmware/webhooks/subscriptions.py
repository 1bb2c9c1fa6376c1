"""Webhook subscriptions: a name, a URL, the events wanted, the signing secret."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlparse

import sqlite_utils

from firmware.store.database import write_transaction
from firmware.webhooks.events import EVENTS

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class WebhookError(ValueError):
    """A bad subscription; the message names the value and what is accepted."""


@dataclass(frozen=True)
class Webhook:
    name: str
    url: str
    events: tuple[str, ...]
    secret: str


def parse_events(names: list[str]) -> tuple[str, ...]:
    chosen = [n.strip() for n in names if n.strip()]
    for name in chosen:
        if name not in EVENTS:
            raise WebhookError(f"event {name!r} is not known; use any of: {', '.join(EVENTS)}")
    if not chosen:
        raise WebhookError(f"a webhook needs at least one event: {', '.join(EVENTS)}")
    return tuple(e for e in EVENTS if e in chosen)


def add_webhook(db: sqlite_utils.Database, name: str, url: str, events: list[str]) -> Webhook:
    """Create a subscription; its secret is made here and shown once to the caller."""
    if not _NAME.fullmatch(name):
        raise WebhookError(f"webhook name {name!r} is not accepted; use 1-64 letters, digits, '.', '-' or '_'")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise WebhookError(f"webhook URL {url!r} is not accepted; use http://HOST/... or https://HOST/...")
    chosen = parse_events(events)
    # The receiver checks signatures with it, so it is kept as is (like the SMTP password).
    secret = secrets.token_urlsafe(32)
    with write_transaction(db):
        if db.execute("SELECT 1 FROM webhooks WHERE name = ?", [name]).fetchone():
            raise WebhookError(f"webhook {name} already exists; remove it first or choose another name")
        db.table("webhooks").insert({"name": name, "url": url, "events": ",".join(chosen), "secret": secret})
    return Webhook(name, url, chosen, secret)


def list_webhooks(db: sqlite_utils.Database) -> list[Webhook]:
    return [Webhook(str(n), str(u), tuple(str(e).split(",")), str(s)) for n, u, e, s in
            db.execute("SELECT name, url, events, secret FROM webhooks ORDER BY name").fetchall()]


def remove_webhook(db: sqlite_utils.Database, name: str) -> bool:
    with write_transaction(db):
        db.execute("DELETE FROM webhook_outbox WHERE webhook = ?", [name])
        return bool(db.execute("DELETE FROM webhooks WHERE name = ?", [name]).rowcount)
