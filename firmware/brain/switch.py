"""Carrying out routing decisions: from worker events to worker commands.

The router (routing.py) says where a call goes; the switch makes it happen on
the worker holding the caller's leg and keeps the call's state and record.
- an extension carries one conversation at a time: a second caller hears busy;
- a refused caller hears a tone (early media) for a few seconds, then is released;
- no answer within `ring_timeout` seconds: the call is given up;
- an outbound call that a trunk cannot carry (503, timeout) tries the next trunk;
- all permitted lines busy: the caller hears busy tone and may press 6 to camp on;
  when a line frees, their phone rings and, once answered, the number is dialled.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from firmware.brain.calls import Call, CallState
from firmware.brain.features import FeatureCodes
from firmware.brain.routing import CallFacts, DialOut, Feature, Refuse, RingExtension, Router
from firmware.brain.workers import WorkerHandle
from firmware.gateway.accounts import LINE_PREFIX, line_trunk, parse_line_caller
from firmware.media.tones import tone
from firmware.store.cdr import write_cdr
from firmware.store.extensions import get_extension
from firmware.store.settings import get_setting
from firmware.worker.protocol import Message

log = logging.getLogger("minipbx.switch")

# How long a refused caller hears the tone before release.
REFUSAL_TONE_SECONDS = 4.0
# Reason phrase for busy decided by the brain. The edge fails over to another
# worker on pjsua's own "486 Busy Here" (worker full), never on this one.
USER_BUSY = "User Busy"

_BUSY_CODES = {486, 600, 603}
CAMP_ON_DIGIT = "6"
# Answers that mean the trunk (not the called party) could not carry the call.
_TRUNK_FAILURE_CODES = {408, 500, 502, 503, 504}


class Switch:
    def __init__(self, db: sqlite_utils.Database, edge_host: str, edge_port: int, realm: str) -> None:
        self.db = db
        self.edge = f"{edge_host}:{edge_port}"
        self.realm = realm
        self.router = Router(db)
        self.features = FeatureCodes(db)
        self.calls: dict[str, Call] = {}
        self.by_leg: dict[str, Call] = {}
        self.on_call_ended: list[Callable[[Call], None]] = []
        # Camp-on bookings, oldest first: extension -> the number it wants.
        self.camp_ons: dict[str, str] = {}
        self.workers: list[WorkerHandle] = []

    # ---- settings read per call, so a change applies to the next call ---------
    def _ring_timeout(self) -> int:
        return int(str(get_setting(self.db, "ring_timeout")))

    def _country(self) -> str:
        return str(get_setting(self.db, "country"))

    def trunk_usage(self) -> dict[str, int]:
        return dict(Counter(c.trunk for c in self.calls.values() if c.trunk))

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
        leg = str(message["leg"])
        call = self.by_leg.get(leg)
        if call is None:
            return
        is_a = leg == call.a_leg
        if not is_a and leg != call.b_leg:
            # A leg the call has moved on from (a trunk that failed): only its end matters.
            if kind == "ended":
                self.by_leg.pop(leg, None)
            return
        if kind == "dtmf" and is_a:
            self._caller_digit(call, str(message["digit"]))
        elif kind == "answered" and is_a and call.callback:
            self._callback_answered(call)
        elif kind == "progress" and not is_a:
            self._callee_ringing(call)
        elif kind == "answered" and not is_a:
            self._callee_answered(call)
        elif kind == "ended":
            if is_a:
                self._caller_gone(call)
            else:
                self._callee_gone(call, message)

    def _incoming(self, worker: WorkerHandle, message: Message) -> None:
        trunk = str(message.get("trunk") or "")
        line = line_trunk(self.db, str(message.get("auth_user") or ""))
        if line is not None:
            # The line gateway calls for an FXO line from the line's own account, with the
            # network's caller ID in the From display: a trunk call from that number.
            number, name = parse_line_caller(str(message.get("from_name") or ""))
            message = {**message, "trunk": line, "did": "", "auth_user": "", "from_user": number, "from_name": name}
            trunk = line
        call = Call(
            id=uuid.uuid4().hex[:12],
            worker=worker,
            a_leg=str(message["leg"]),
            caller=str(message.get("auth_user") or message.get("from_user") or "anonymous"),
            caller_name=str(message.get("from_name") or ""),
            called=str(message.get("did") or message["to_user"]) if trunk else str(message["to_user"]),
            sip_call_id=str(message["call_id"]),
            trunk=trunk,
            did=str(message.get("did") or ""),
        )
        self._track(call)
        facts = CallFacts(caller=call.caller, dialled=call.called, auth_user=str(message.get("auth_user") or ""),
                          trunk=trunk, did=call.did)
        try:
            decision = self.router.decide(facts, self.trunk_usage())
        except Exception:
            log.exception("routing call %s failed", call.id)
            decision = Refuse(500, "Server Internal Error", "failed", "routing error", "congestion")
        call.mode = facts.mode
        if not trunk:
            caller_ext = get_extension(self.db, call.caller)
            if caller_ext is not None:
                # The directory's name, not whatever the phone's own settings claim.
                call.caller_name = caller_ext.name
        log.info("call %s: %s -> %s (%s mode): %s", call.id, call.caller, call.called, call.mode, decision)
        if isinstance(decision, RingExtension):
            call.route = decision.route
            self._ring_extension(call, decision.number)
        elif isinstance(decision, DialOut):
            call.route = decision.route
            call.dial_target = decision.number
            call.spare_trunks = decision.trunks
            self._dial_next_trunk(call, decision.caller_id)
        elif isinstance(decision, Feature):
            call.route = f"feature {decision.code}"
            self._feature(call, decision.code)
        elif isinstance(decision, Refuse):
            call.camp_on_offer = decision.camp_on
            self._refuse(call, decision.code, decision.reason, decision.cause, decision.disposition, decision.tone)
        else:
            self._reject(call, decision.code, decision.reason, decision.disposition, decision.cause, "system")

    # ---- ringing an extension -----------------------------------------------------
    def _ring_extension(self, call: Call, number: str) -> None:
        call.called = number if not call.trunk else call.called
        call.answered_by_candidate = number
        if number == call.caller or self._in_conversation(number, besides=call):
            self._reject(call, 486, USER_BUSY, "busy", "extension busy", "system")
            return
        name = call.caller_name.replace('"', "'")
        caller_uri = f"sip:{call.caller}@{self.realm}"
        self._dial_b(call, {
            "uri": f"sip:{number}@{self.edge}",
            "from_uri": f'"{name}" <{caller_uri}>' if name else f"<{caller_uri}>",
        })
        timeout = self._ring_timeout()
        call.timer = asyncio.get_running_loop().call_later(timeout, self._no_answer, call.id, timeout)

    # ---- out on a trunk -------------------------------------------------------------
    def _dial_next_trunk(self, call: Call, caller_id: str | None = None) -> bool:
        if not call.spare_trunks:
            return False
        trunk, call.spare_trunks = call.spare_trunks[0], call.spare_trunks[1:]
        call.trunk = trunk.name
        if caller_id is not None:
            call.caller_id = caller_id
        headers = {"X-Minipbx-Trunk": trunk.name}
        identity = f"<sip:{call.caller_id}@{trunk.domain}>"
        if trunk.send_pai:
            headers["P-Asserted-Identity"] = identity
        if trunk.privacy:
            headers["Privacy"] = trunk.privacy
        if trunk.kind == "fxo":
            # An analog line: call the line's account at the gateway, which seizes the line and dials.
            self._dial_b(call, {"uri": f"sip:{LINE_PREFIX}{trunk.name}@{self.edge}",
                                "from_uri": f"<sip:{call.caller_id}@{self.realm}>",
                                "headers": {"X-Minipbx-Dial": call.dial_target}})
        else:
            self._dial_b(call, {"uri": f"sip:{call.dial_target}@{self.edge}", "from_uri": identity,
                                "headers": headers})
        if call.timer is None:
            timeout = self._ring_timeout() + 30
            call.timer = asyncio.get_running_loop().call_later(timeout, self._no_answer, call.id, timeout)
        return True

    def _dial_b(self, call: Call, fields: dict[str, Any]) -> None:
        call.b_count += 1
        call.b_leg = f"b{call.id}-{call.b_count}"
        call.b_alive = True
        self.by_leg[call.b_leg] = call
        call.worker.send({"type": "dial", "leg": call.b_leg, **fields})

    # ---- feature codes ----------------------------------------------------------------
    def _feature(self, call: Call, code: str) -> None:
        result = self.features.run(call.caller, code)
        if not result.ok:
            self._refuse(call, 403, "Forbidden", result.message, "barred", "unavailable")
            return
        call.decide("feature", result.message, "system")
        call.state = CallState.REFUSING
        self._send(call, call.a_leg, "answer", code=200)
        self._send(call, call.a_leg, "tone", segments=tone(self._country(), "confirm"), loop=False)
        call.timer = asyncio.get_running_loop().call_later(
            2.0, lambda: self._send(call, call.a_leg, "hangup"))

    # ---- callee events ------------------------------------------------------------------
    def _callee_ringing(self, call: Call) -> None:
        if call.state is CallState.ROUTING:
            call.state = CallState.RINGING
            if not call.callback:
                self._send(call, call.a_leg, "answer", code=180)

    def _callee_answered(self, call: Call) -> None:
        if call.state not in (CallState.ROUTING, CallState.RINGING):
            return
        call.cancel_timer()
        call.state = CallState.ANSWERED
        call.answered_at = datetime.now(UTC)
        call.answered_by = call.answered_by_candidate or call.dial_target or call.called
        if not call.callback:
            self._send(call, call.a_leg, "answer", code=200)
        call.worker.send({"type": "bridge", "a": call.a_leg, "b": call.b_leg})
        log.info("call %s: %s -> %s answered by %s", call.id, call.caller, call.called, call.answered_by)

    def _caller_gone(self, call: Call) -> None:
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
        elif call.state in (CallState.ROUTING, CallState.RINGING) and call.outcome is None and call.a_alive:
            if call.dial_target and code in _TRUNK_FAILURE_CODES:
                log.warning("call %s: trunk %s failed (%d)", call.id, call.trunk, code)
                if self._dial_next_trunk(call):
                    return
                call.cancel_timer()
                self._refuse(call, 503, "Service Unavailable", f"every line failed (last {code})", "failed",
                             "congestion")
            elif code in _BUSY_CODES:
                call.cancel_timer()
                self._reject(call, 486, USER_BUSY, "busy", f"callee busy ({code})", "callee")
            elif code in (404, 480, 408, 410, 503, 484) or code >= 500:
                call.cancel_timer()
                what = "number not reachable" if call.dial_target else "extension not reachable"
                self._refuse(call, 480, "Temporarily Unavailable", f"{what} ({code})")
            else:
                call.cancel_timer()
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

    def _refuse(self, call: Call, code: int, reason: str, cause: str, disposition: str = "unavailable",
                tone_name: str = "unavailable") -> None:
        """The caller hears a tone as early media, then is released."""
        call.decide(disposition, cause, "system")
        call.state = CallState.REFUSING
        if not call.callback:
            self._send(call, call.a_leg, "answer", code=183)
        self._send(call, call.a_leg, "tone", segments=tone(self._country(), tone_name), loop=True)
        call.timer = asyncio.get_running_loop().call_later(
            REFUSAL_TONE_SECONDS, lambda: self._send(call, call.a_leg, "hangup", code=code, reason=reason)
        )

    def _send(self, call: Call, leg: str, kind: str, **fields: Any) -> None:
        call.worker.send({"type": kind, "leg": leg, **fields})

    # ---- bookkeeping ------------------------------------------------------------
    def _track(self, call: Call) -> None:
        self.calls[call.id] = call
        self.by_leg[call.a_leg] = call

    def _in_conversation(self, number: str, besides: Call | None) -> bool:
        return any(
            c is not besides and number in (c.caller, c.called, c.answered_by_candidate)
            for c in self.calls.values()
        )

    # ---- camp-on ------------------------------------------------------------------------
    def _caller_digit(self, call: Call, digit: str) -> None:
        if digit != CAMP_ON_DIGIT or not call.camp_on_offer or call.state is not CallState.REFUSING:
            return
        self.camp_ons.pop(call.caller, None)
        self.camp_ons[call.caller] = call.camp_on_offer
        call.outcome = None
        call.decide("busy", f"all permitted lines busy; camp-on booked for {call.camp_on_offer}", "caller")
        call.camp_on_offer = ""
        call.cancel_timer()
        log.info("call %s: %s camps on for %s", call.id, call.caller, self.camp_ons[call.caller])
        self._send(call, call.a_leg, "tone", segments=tone(self._country(), "confirm"), loop=False)
        call.timer = asyncio.get_running_loop().call_later(2.0, lambda: self._send(call, call.a_leg, "hangup"))

    def _serve_camp_ons(self) -> None:
        """A line may have freed: ring back the oldest booking that can go out now."""
        for extension, number in list(self.camp_ons.items()):
            if self._in_conversation(extension, besides=None):
                continue
            plan_prefix = str(get_setting(self.db, "outside_prefix"))
            facts = CallFacts(caller=extension, dialled=plan_prefix + number, auth_user=extension)
            decision = self.router.decide(facts, self.trunk_usage())
            if isinstance(decision, Refuse) and decision.camp_on:
                continue  # still busy; keep the booking
            del self.camp_ons[extension]
            if isinstance(decision, DialOut):
                self._start_callback(extension, decision, facts.mode)
            return

    def _start_callback(self, extension: str, decision: DialOut, mode: str) -> None:
        worker = min((w for w in self.workers if w.ready), default=None,
                     key=lambda w: sum(1 for c in self.calls.values() if c.worker is w))
        if worker is None:
            return
        call_id = uuid.uuid4().hex[:12]
        call = Call(id=call_id, worker=worker, a_leg=f"a{call_id}", caller=extension, caller_name="",
                    called=decision.number, sip_call_id=f"camp-on-{call_id}", callback=True, mode=mode,
                    route="camp-on callback", dial_target=decision.number, spare_trunks=decision.trunks,
                    caller_id=decision.caller_id)
        self._track(call)
        log.info("call %s: line free, ringing %s back for %s", call.id, extension, decision.number)
        worker.send({"type": "dial", "leg": call.a_leg, "uri": f"sip:{extension}@{self.edge}",
                     "from_uri": f'"Line free" <sip:{decision.number}@{self.realm}>'})
        timeout = self._ring_timeout()
        call.timer = asyncio.get_running_loop().call_later(timeout, self._no_answer, call.id, timeout)

    def _callback_answered(self, call: Call) -> None:
        """The extension picked up its camp-on callback: now dial the number it wanted."""
        if call.state is not CallState.ROUTING or call.b_leg is not None:
            return
        call.cancel_timer()
        self._dial_next_trunk(call)

    def _maybe_finish(self, call: Call) -> None:
        if not call.finished or call.state is CallState.ENDED:
            return
        call.state = CallState.ENDED
        call.cancel_timer()
        self.calls.pop(call.id, None)
        for leg in [leg for leg, c in self.by_leg.items() if c is call]:
            self.by_leg.pop(leg, None)
        self._write_record(call)
        if call.trunk and self.camp_ons:
            self._serve_camp_ons()

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

