"""Routing calls between extensions, from worker events to worker commands.

Rules (the first version of the dial plan):
- only authenticated devices place calls (the edge marks them);
- an extension carries one conversation at a time: a second caller hears busy;
- an unknown or unregistered number: the caller hears the special information
  tone for a few seconds, then is released;
- no answer within `ring_timeout` seconds: the call is given up.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from firmware.brain.calls import Call, CallState
from firmware.brain.workers import WorkerHandle
from firmware.media.tones import tone
from firmware.store.cdr import write_cdr
from firmware.store.extensions import get_extension
from firmware.store.settings import get_setting
from firmware.worker.protocol import Message

log = logging.getLogger("minipbx.switch")

# How long a refused caller hears the information tone before release.
REFUSAL_TONE_SECONDS = 4.0
# Reason phrase for busy decided by the brain. The edge fails over to another
# worker on pjsua's own "486 Busy Here" (worker full), never on this one.
USER_BUSY = "User Busy"

_BUSY_CODES = {486, 600, 603}


class Switch:
    def __init__(self, db: sqlite_utils.Database, edge_host: str, edge_port: int, realm: str) -> None:
        self.db = db
        self.edge = f"{edge_host}:{edge_port}"
        self.realm = realm
        self.calls: dict[str, Call] = {}
        self.by_leg: dict[str, Call] = {}
        self.on_call_ended: list[Callable[[Call], None]] = []

    # ---- settings read per call, so a change applies to the next call ---------
    def _ring_timeout(self) -> int:
        return int(str(get_setting(self.db, "ring_timeout")))

    def _country(self) -> str:
        return str(get_setting(self.db, "country"))

    # ---- events ----------------------------------------------------------------
    def handle(self, worker: WorkerHandle, message: Message) -> None:
        kind = message["type"]
        if kind == "incoming":
            self._incoming(worker, message)
            return
        if kind in ("error", "status", "hello"):
            if kind == "error":
                log.warning("worker %d: %s", worker.number, message.get("message"))
            return
        call = self.by_leg.get(str(message["leg"]))
        if call is None:
            return
        leg = str(message["leg"])
        is_a = leg == call.a_leg
        if kind == "progress" and not is_a:
            self._callee_ringing(call)
        elif kind == "answered" and not is_a:
            self._callee_answered(call)
        elif kind == "ended":
            if is_a:
                self._caller_gone(call, message)
            else:
                self._callee_gone(call, message)

    def _incoming(self, worker: WorkerHandle, message: Message) -> None:
        call = Call(
            id=uuid.uuid4().hex[:12],
            worker=worker,
            a_leg=str(message["leg"]),
            caller=str(message.get("auth_user") or message.get("from_user") or "anonymous"),
            caller_name=str(message.get("from_name") or ""),
            called=str(message["to_user"]),
            sip_call_id=str(message["call_id"]),
        )
        self._track(call)
        if not message.get("auth_user"):
            # Nothing unauthenticated reaches an extension (trunks come with routing).
            self._reject(call, 403, "Forbidden", "failed", "caller not authenticated", "system")
            return
        caller_ext = get_extension(self.db, call.caller)
        if caller_ext is not None:
            # The directory's name, not whatever the phone's own settings claim.
            call.caller_name = caller_ext.name
        if get_extension(self.db, call.called) is None:
            log.info("call %s: %s dialled unknown number %s", call.id, call.caller, call.called)
            self._refuse(call, 404, "Not Found", "unknown number")
            return
        if call.called == call.caller or self._in_conversation(call.called, besides=call):
            self._reject(call, 486, USER_BUSY, "busy", "extension busy", "system")
            return
        self._dial_callee(call)

    def _dial_callee(self, call: Call) -> None:
        call.b_leg = f"b{call.id}"
        call.b_alive = True
        self.by_leg[call.b_leg] = call
        name = call.caller_name.replace('"', "'")
        call.worker.send({
            "type": "dial",
            "leg": call.b_leg,
            "uri": f"sip:{call.called}@{self.edge}",
            "from_uri": f'"{name}" <sip:{call.caller}@{self.realm}>' if name else f"<sip:{call.caller}@{self.realm}>",
        })
        timeout = self._ring_timeout()
        call.timer = asyncio.get_running_loop().call_later(timeout, self._no_answer, call.id, timeout)

    def _callee_ringing(self, call: Call) -> None:
        if call.state is CallState.ROUTING:
            call.state = CallState.RINGING
            self._send(call, call.a_leg, "answer", code=180)

    def _callee_answered(self, call: Call) -> None:
        if call.state not in (CallState.ROUTING, CallState.RINGING):
            return
        call.cancel_timer()
        call.state = CallState.ANSWERED
        call.answered_at = datetime.now(UTC)
        call.answered_by = call.called
        self._send(call, call.a_leg, "answer", code=200)
        call.worker.send({"type": "bridge", "a": call.a_leg, "b": call.b_leg})
        log.info("call %s: %s -> %s answered", call.id, call.caller, call.called)

    def _caller_gone(self, call: Call, message: Message) -> None:
        call.a_alive = False
        call.cancel_timer()
        if call.state is CallState.ANSWERED:
            call.decide("answered", "caller hung up", "caller")
        elif call.state in (CallState.ROUTING, CallState.RINGING):
            call.decide("cancelled", "caller hung up before answer", "caller")
        if call.b_alive and call.b_leg is not None:
            self._send(call, call.b_leg, "hangup")
        self._maybe_finish(call)

    def _callee_gone(self, call: Call, message: Message) -> None:
        call.b_alive = False
        code = int(message.get("code", 0))
        if call.state is CallState.ANSWERED:
            call.decide("answered", "callee hung up", "callee")
            if call.a_alive:
                self._send(call, call.a_leg, "hangup")
        elif call.state in (CallState.ROUTING, CallState.RINGING) and call.outcome is None:
            call.cancel_timer()
            if code in _BUSY_CODES:
                self._reject(call, 486, USER_BUSY, "busy", f"callee busy ({code})", "callee")
            elif code in (404, 480, 408, 410, 503) or code >= 500:
                self._refuse(call, 480, "Temporarily Unavailable", f"extension not reachable ({code})")
            else:
                self._reject(call, code if 400 <= code < 700 else 480, str(message.get("reason") or "Unavailable"),
                             "failed", f"callee refused ({code})", "callee")
        self._maybe_finish(call)

    def _no_answer(self, call_id: str, timeout: int) -> None:
        call = self.calls.get(call_id)
        if call is None or call.state not in (CallState.ROUTING, CallState.RINGING):
            return
        call.timer = None
        call.decide("no_answer", f"no answer within {timeout} s", "system")
        if call.b_leg is not None and call.b_alive:
            self._send(call, call.b_leg, "hangup")
        self._send(call, call.a_leg, "hangup", code=480, reason="No Answer")

    # ---- outcomes ---------------------------------------------------------------
    def _reject(self, call: Call, code: int, reason: str, disposition: str, cause: str, by: str) -> None:
        call.decide(disposition, cause, by)
        self._send(call, call.a_leg, "hangup", code=code, reason=reason)

    def _refuse(self, call: Call, code: int, reason: str, cause: str) -> None:
        """The caller hears the 'not available' tone as early media, then is released."""
        call.decide("unavailable", cause, "system")
        call.state = CallState.REFUSING
        self._send(call, call.a_leg, "answer", code=183)
        self._send(call, call.a_leg, "tone", segments=tone(self._country(), "unavailable"), loop=True)
        call.timer = asyncio.get_running_loop().call_later(
            REFUSAL_TONE_SECONDS, lambda: self._send(call, call.a_leg, "hangup", code=code, reason=reason)
        )

    def _send(self, call: Call, leg: str, kind: str, **fields: Any) -> None:
        call.worker.send({"type": kind, "leg": leg, **fields})

    # ---- bookkeeping ------------------------------------------------------------
    def _track(self, call: Call) -> None:
        self.calls[call.id] = call
        self.by_leg[call.a_leg] = call

    def _in_conversation(self, number: str, besides: Call) -> bool:
        return any(c is not besides and number in (c.caller, c.called) for c in self.calls.values())

    def _maybe_finish(self, call: Call) -> None:
        if not call.finished or call.state is CallState.ENDED:
            return
        call.state = CallState.ENDED
        call.cancel_timer()
        self.calls.pop(call.id, None)
        self.by_leg.pop(call.a_leg, None)
        if call.b_leg:
            self.by_leg.pop(call.b_leg, None)
        self._write_record(call)

    def _write_record(self, call: Call) -> None:
        record = call.record()
        try:
            write_cdr(self.db, record)
        except Exception:
            # Losing a CDR row must not take calls down; the log keeps the facts.
            log.exception("could not write CDR for call %s: %s", call.id, record)
        for listener in self.on_call_ended:
            listener(call)

    def worker_lost(self, worker: WorkerHandle) -> None:
        """A worker died: its calls are gone; record them and free the extensions."""
        for call in [c for c in self.calls.values() if c.worker is worker]:
            call.decide("failed" if call.answered_at is None else "answered", "call worker failed", "system")
            call.a_alive = call.b_alive = False
            self._maybe_finish(call)

    def active_calls(self) -> list[dict[str, object]]:
        return [call.snapshot() for call in self.calls.values()]
