"""Where call events enter the webhooks: the brain calls `call_ended` for every finished call.

The merger of the new call core: call `call_ended(db, record)` right after a call's
CDR row is written (the same CallRecord). `subscribe_to_switch` wires today's
Switch through its `on_call_ended` listeners.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import sqlite_utils

from firmware.store.cdr import CallRecord
from firmware.webhooks.events import events_for
from firmware.webhooks.outbox import enqueue

if TYPE_CHECKING:  # only the type: the call core is being rewritten, this module must not pull it in
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.webhooks")


def call_ended(db: sqlite_utils.Database, record: CallRecord) -> None:
    """Queue call.ended (and call.missed) for the subscribers; never raises into call handling."""
    try:
        enqueue(db, events_for(record))
    except Exception:
        log.exception("could not queue webhook events for call %s", record.call_id)


def subscribe_to_switch(switch: Switch, db: sqlite_utils.Database) -> None:
    switch.on_call_ended.append(lambda call: call_ended(db, call.record()))
