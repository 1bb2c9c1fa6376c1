"""Where call events leave the brain: each is built once, then queued for the webhooks (the
persisted outbox) and handed to the live event stream's watchers (GET /api/events).

The switch reports progress (`on_progress`: an extension's phones ring, someone answered)
and ended calls (`on_call_ended`, after the CDR row is written). The outbox write is a
sqlite transaction: it runs after the switch's own work for the event (`call_soon`), so
queueing a webhook never delays the dial or the bridge it reports.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlite_utils

from firmware.store.cdr import CallRecord
from firmware.webhooks.events import CallEvent, CallProgress, events_for
from firmware.webhooks.outbox import enqueue

if TYPE_CHECKING:  # only the types: this module must not pull the call core in
    from firmware.brain.calls import Call, Transferred
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.webhooks")

# Handed every event as (name, JSON body), in the event loop, at once: must not block.
Publish = Callable[[str, str], None]


def call_ended(db: sqlite_utils.Database, record: CallRecord, call: str = "") -> list[CallEvent]:
    """Queue call.ended (and call.missed) for the subscribers; never raises into call handling."""
    events = events_for(record, call)
    _enqueue(db, events)
    return events


def _enqueue(db: sqlite_utils.Database, events: list[CallEvent] | list[CallProgress]) -> None:
    try:
        enqueue(db, events)
    except Exception:
        log.exception("could not queue webhook events %s", [e.event for e in events])


def progress_event(call: Call, event: str, extension: str, transfer: Transferred | None = None) -> CallProgress:
    return CallProgress(event=event, call_id=call.sip_call_id, call=call.id, caller=call.caller,
                        caller_name=call.caller_name, called=call.called, extension=extension,
                        transferred_by=transfer.by if transfer else "",
                        attended=transfer.attended if transfer else False,
                        trunk=call.trunk or None, did=call.did or None,
                        at=datetime.now(UTC).isoformat(timespec="milliseconds"))


class CallEventFeed:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.watchers: list[Publish] = []

    def attach(self, switch: Switch) -> None:
        switch.on_progress.append(self.progress)
        switch.on_call_ended.append(self.ended)

    def progress(self, call: Call, event: str, extension: str, transfer: Transferred | None) -> None:
        self._out([progress_event(call, event, extension, transfer)])

    def ended(self, call: Call, record: CallRecord) -> None:
        self._out(events_for(record, call.id))

    def _out(self, events: list[CallEvent] | list[CallProgress]) -> None:
        for event in events:
            body = event.model_dump_json()
            for publish in self.watchers:
                try:
                    publish(event.event, body)
                except Exception:
                    log.exception("could not hand %s to a watcher", event.event)
        try:
            asyncio.get_running_loop().call_soon(_enqueue, self.db, events)
        except RuntimeError:  # no loop (a tool calling in by itself): queue now
            _enqueue(self.db, events)
