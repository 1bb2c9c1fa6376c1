"""Carrying out routing decisions: from worker events to worker commands.

The router (routing.py) says where a call goes; the switch makes it happen on
the workers holding the call's legs and keeps the call's state and record.
- a destination is carried out by the kind that declares it (apps/destinations.py):
  the switch looks the kind up and hands it the call, or starts the kind's app;
- ringing (ring plans, their branches and timers, forwarding, trunk hunting) is
  brain/ringing.py; the in-call life (keys, hold, transfer, pickup, park) brain/in_call.py;
- a refused caller hears a tone for a few seconds, then is released;
- all permitted lines busy: the caller hears busy tone and may press 6 to camp on;
  when a line frees, their phone rings and, once answered, the number is dialled.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import sqlite_utils

from firmware.apps.context import AppContext
from firmware.apps.destinations import DestinationError, kind_of, parse_destination
from firmware.apps.phone_features import feature_for
from firmware.apps.programming.box import Box
from firmware.apps.programming.session import programming
from firmware.apps.prompt_recording import PromptRecording, record_prompt
from firmware.apps.session import CallerGone, CallerInfo, Next, Session
from firmware.brain.calls import Call, CallState, ProgressListener, Transferred
from firmware.brain.features import FeatureCodes
from firmware.brain.in_call import InCallControl
from firmware.brain.ringing import USER_BUSY, Ringing
from firmware.brain.routing import (
    CallFacts,
    Decision,
    DialOut,
    Feature,
    GoTo,
    Park,
    Pickup,
    Refuse,
    RingExtension,
    Router,
)
from firmware.brain.workers import WorkerHandle
from firmware.calls import camp_on
from firmware.calls.keys import FLASH, FLASH_THREE, FLASH_THREE_SECONDS
from firmware.calls.links import Links
from firmware.calls.music import default_melody
from firmware.calls.page_park import PageParks
from firmware.calls.park import ParkLot
from firmware.conference.desk import ConferenceDesk
from firmware.conference.paging import Pages
from firmware.conference.three_way import ThreeWayCalls
from firmware.directory.phonebook import caller_name
from firmware.door.desk import DoorDesk
from firmware.media.tones import tone
from firmware.prompts.library import PromptLibrary
from firmware.queues.codes import queue_feature
from firmware.queues.desk import QueueDesk
from firmware.recording.desk import CallRecorder
from firmware.store.cdr import CallRecord, write_cdr
from firmware.store.extensions import get_extension
from firmware.store.settings import get_setting
from firmware.trunks.inbound import route_music
from firmware.trunks.lines import line_call
from firmware.worker.protocol import Message

log = logging.getLogger("minipbx.switch")

# How long a refused caller hears the tone before release.
REFUSAL_TONE_SECONDS = 4.0
CAMP_ON_DIGIT = "6"


class Switch:
    def __init__(self, db: sqlite_utils.Database, edge_host: str, edge_port: int, realm: str,
                 data_dir: Path, prompts: PromptLibrary, mailbox_changed: Callable[[str], None]) -> None:
        self.db = db
        self.edge = f"{edge_host}:{edge_port}"
        self.realm = realm
        self.router = Router(db)
        self.features = FeatureCodes(db)
        self.calls: dict[str, Call] = {}
        self.by_leg: dict[str, Call] = {}
        # (call, its CDR record as written): the listeners see the very row, ended_at and all.
        self.on_call_ended: list[Callable[[Call, CallRecord], None]] = []
        # (call, event, extension): call.ringing when an extension's phones start ringing for a call,
        # call.answered when someone takes it (firmware/webhooks/hooks.py).
        self.on_progress: list[ProgressListener] = []
        # () after every worker event and every command: who is on a call may have changed
        # (the busy lamps, firmware/presence, read it again). Must be cheap.
        self.on_change: list[Callable[[], None]] = []
        self.workers: list[WorkerHandle] = []
        # The board's `[capacity] calls` (0: no limit): what its CPU carries with clean audio.
        # A call beyond it is refused at once, so the calls already up keep their audio.
        self.max_calls = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.apps = AppContext(db=db, data_dir=data_dir, prompts=prompts, mailbox_changed=mailbox_changed)
        self.data_dir = data_dir
        self.prompts = prompts
        # Which worker holds each leg: a call's parties may sit on different workers.
        self.leg_workers: dict[str, WorkerHandle] = {}
        self.recorder = CallRecorder(self, db, data_dir)
        self.conferences = ConferenceDesk(self)
        self.queues = QueueDesk(self)
        self.doors = DoorDesk(self)
        # Opens the DECT subscription window (seconds, extension) -> '' or why not; set with the line gateway.
        self.dect_pairer: Callable[[int, str], Awaitable[str]] | None = None
        # What keypad programming (*99) knows of the box; the supervisor fills in the rest at start.
        self.programming = Box(admin_pin_dir=data_dir.parent / "appliance")
        self.dect_remover: Callable[[str], Awaitable[str]] | None = None
        # time.monotonic() when the DECT subscription window closes (firmware/brain/call_commands.py).
        self.dect_window_until = 0.0
        self.apps.rooms = self.conferences
        self.three_way = ThreeWayCalls(self)
        self.paging = Pages(self)
        self.links = Links(on_broken=self._join_broken, on_parted=self.recorder.parted)
        self.park_lot = ParkLot()
        self.page_parks = PageParks(self)
        # A leg the PBX speaks to one last time (a parker hearing the slot): what to do once it has heard it.
        self.after_play: dict[str, Callable[[], None]] = {}
        self.in_call = InCallControl(self)
        self.ringing = Ringing(self)
        # Made now, not on the first hold: holding must not wait for a file to be written.
        default_melody(data_dir)

    # ---- settings read per call, so a change applies to the next call ---------
    def ring_timeout(self) -> int:
        return int(str(get_setting(self.db, "ring_timeout")))

    def country(self) -> str:
        return str(get_setting(self.db, "country"))

    def trunk_usage(self) -> dict[str, int]:
        return dict(Counter(c.trunk for c in self.calls.values() if c.trunk))

    # ---- events ----------------------------------------------------------------
    def handle(self, worker: WorkerHandle, message: Message) -> None:
        try:
            self._handle(worker, message)
        finally:
            self._changed()

    def _changed(self) -> None:
        for listener in self.on_change:
            listener()

    def _handle(self, worker: WorkerHandle, message: Message) -> None:
        kind = message["type"]
        if kind == "incoming":
            leg = str(message["leg"])
            self.leg_workers[leg] = worker
            if message.get("link"):
                self.links.incoming(worker, leg, str(message["link"]))
                return
            self._incoming(worker, message)
            return
        if kind in ("error", "status", "hello"):
            if kind == "error":
                log.warning("worker %d: %s", worker.number, message.get("message"))
            return
        leg = str(message["leg"])
        if kind == "ended":
            self.leg_workers.pop(leg, None)
        if kind == "recorded" and self.recorder.recorded(message):
            return
        if self.links.is_link_leg(leg):
            self.links.link_event(leg, kind)
            return
        if self.page_parks.event(leg, kind):
            return
        after = self.after_play.pop(leg, None) if kind in ("played", "ended") else None
        if after is not None:
            after()
            return
        call = self.by_leg.get(leg)
        if call is None:
            return
        if kind == "answered" and message.get("call_id"):
            call.leg_call_ids[leg] = str(message["call_id"])
        if call.state is CallState.CONFERENCE:
            if not self.paging.event(call, leg, kind) and kind == "ended":
                self.three_way.gone(call, leg)
            return  # keys in a three-way call or a page go nowhere
        if kind == "dtmf" and call.consult_of is not None and leg == call.a_leg and \
                message["digit"] == FLASH_THREE and call.state is CallState.ANSWERED and \
                asyncio.get_running_loop().time() - call.flashed_at < FLASH_THREE_SECONDS:
            self.three_way.merge(call)
            return
        if kind == "dtmf" and message["digit"] == FLASH and call.consult_of is not None and leg == call.a_leg:
            # The consulting party's flash, ringing or talking: back to the waiting party, or toggle.
            self.in_call.consult_flash(call)
            return
        if call.state is CallState.ANSWERED and leg in (call.a_leg, call.b_leg) and \
                kind in ("dtmf", "held", "resumed", "refer"):
            self.in_call.event(call, leg, kind, message)
            return
        if kind == "refer":
            # Not in a conversation (ringing, in a menu): nothing to transfer.
            return
        if leg == call.a_leg:
            self._caller_event(call, kind, message)
        elif leg == call.b_leg:
            if kind == "ended":
                self._callee_gone(call)
        elif leg in call.branches:
            if kind == "progress":
                self.ringing.branch_ringing(call)
            elif kind == "answered":
                self.ringing.branch_answered(call, leg)
            elif kind == "ended":
                self.ringing.branch_ended(call, leg, int(message.get("code", 0)))
        elif kind == "ended":
            # A leg the call has moved on from (cancelled, or a trunk that failed).
            self.by_leg.pop(leg, None)

    def _caller_event(self, call: Call, kind: str, message: Message) -> None:
        if kind == "dtmf":
            digit = str(message["digit"])
            if call.session is not None and call.state is CallState.APP:
                call.session.digit(digit)
            else:
                self._caller_digit(call, digit)
        elif kind in ("played", "recorded") and call.session is not None:
            call.session.event(message)
        elif kind == "answered" and call.callback:
            self._callback_answered(call)
        elif kind == "ended":
            self._caller_gone(call)

    def _incoming(self, worker: WorkerHandle, message: Message) -> None:
        trunk = str(message.get("trunk") or "")
        line = line_call(self.db, str(message.get("auth_user") or ""), str(message.get("from_name") or ""))
        if line is not None:
            # An exchange line's call: a trunk call from the network's caller ID.
            message = {**message, "trunk": line.trunk, "did": "", "auth_user": "", "from_user": line.number,
                       "from_name": line.name}
            trunk = line.trunk
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
            inbound=bool(trunk),
        )
        self._track(call)
        facts = CallFacts(caller=call.caller, dialled=call.called, auth_user=str(message.get("auth_user") or ""),
                          trunk=trunk, did=call.did)
        call.auth_user = facts.auth_user
        call.first_caller = call.caller
        call.leg_call_ids[call.a_leg] = call.sip_call_id
        if self._over_capacity(call):
            log.warning("call %s: %s -> %s refused: %d calls up, the board carries %d",
                        call.id, call.caller, call.called, self.calls_up(besides=call), self.max_calls)
            # A line's caller is told the exchange is full (503); a phone hears busy.
            call.state = CallState.REFUSING
            if trunk:
                self.reject(call, 503, "Service Unavailable", "failed", "over capacity", "system")
            else:
                self.reject(call, 486, USER_BUSY, "busy", "over capacity", "system")
            return
        if facts.auth_user and not trunk:
            call.extensions[call.a_leg] = facts.auth_user
            # An extension's phone may transfer by REFER (the brain decides); others get 403.
            worker.send({"type": "allow_transfer", "leg": call.a_leg})
        door = self.doors.is_ring(facts.auth_user, call.called) if facts.auth_user and not trunk else None
        if door is not None:
            call.mode = self.router.mode()
            station = get_extension(self.db, door.extension)
            call.caller_name = station.name if station is not None else door.name
            self.doors.ring(call, door)
            return
        try:
            decision = self.router.decide(facts, self.trunk_usage())
        except Exception:
            log.exception("routing call %s failed", call.id)
            decision = Refuse(500, "Server Internal Error", "failed", "routing error", "congestion")
        call.mode = facts.mode
        if trunk:
            call.music_class = route_music(self.db, trunk, call.did, call.mode)
            if not call.caller_name:
                # The network sent a number only: the phonebook may know whose it is.
                call.caller_name = caller_name(self.db, call.caller) or ""
        if not trunk:
            caller_ext = get_extension(self.db, call.caller)
            if caller_ext is not None:
                # The directory's name, not whatever the phone's own settings claim.
                call.caller_name = caller_ext.name
        log.info("call %s: %s -> %s (%s mode): %s", call.id, call.caller, call.called, call.mode, decision)
        self.execute(call, decision)

    def calls_up(self, besides: Call | None = None) -> int:
        """Calls that hold the board's capacity (one being refused is leaving, with a tone at most)."""
        return sum(1 for c in self.calls.values()
                   if c is not besides and c.state not in (CallState.ENDED, CallState.REFUSING))

    def _over_capacity(self, call: Call) -> bool:
        return bool(self.max_calls) and self.calls_up(besides=call) >= self.max_calls

    def execute(self, call: Call, decision: Decision) -> None:
        """Carry out a routing decision for the call's a_leg party (a new call, or one transferred)."""
        if isinstance(decision, Pickup):
            self.in_call.pickup(call, decision.extension)
        elif isinstance(decision, Park):
            if decision.slot:
                self.in_call.retrieve(call, decision.slot)
            else:
                what = f"the page-and-park number of group {decision.page}" if decision.page else "the park number"
                self.refuse(call, 404, "Not Found", f"{what} takes calls being transferred, not new calls")
        elif isinstance(decision, RingExtension):
            self.trail(call, decision.route)
            if decision.intercom:
                self.ringing.intercom(call, decision.number)
            else:
                self.ringing.ring_extension(call, decision.number, follow=True)
        elif isinstance(decision, DialOut):
            self.trail(call, decision.route)
            call.dial_target = decision.number
            self.ringing.dial_out(call, decision, self.ringing.default_fail(call))
        elif isinstance(decision, Feature):
            call.route = f"feature {decision.code}"
            self._feature(call, decision)
        elif isinstance(decision, GoTo):
            self.trail(call, decision.route)
            self.go(call, Next(decision.destination))
        elif isinstance(decision, Refuse):
            call.camp_on_offer = decision.camp_on
            call.outbound = call.outbound or decision.outside
            self.refuse(call, decision.code, decision.reason, decision.cause, decision.disposition, decision.tone)
        else:
            self.reject(call, decision.code, decision.reason, decision.disposition, decision.cause, "system")

    # ---- destinations ----------------------------------------------------------------
    def go(self, call: Call, nxt: Next) -> None:
        """Send the call on to a destination (from a route, an app, forwarding, a group)."""
        if not call.a_alive:
            return
        try:
            destination = parse_destination(nxt.destination)
        except DestinationError as exc:
            log.error("call %s: %s", call.id, exc)
            self.refuse(call, 480, "Temporarily Unavailable", str(exc))
            return
        if nxt.route:
            self.trail(call, nxt.route)
        kind = kind_of(destination)
        if kind.serve is not None:
            kind.serve(self, call, destination.target, nxt)
        else:
            self.start_app(call, str(destination))

    @staticmethod
    def trail(call: Call, step: str) -> None:
        """The CDR's route says every step the call took: the trunk route, the menu key, the fallback."""
        if not call.route:
            call.route = step
        elif not call.route.endswith(step):
            call.route = f"{call.route}; {step}"

    def start_task(self, call: Call, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        # The loop keeps only weak references to tasks.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- the party answered ----
    def _callee_gone(self, call: Call) -> None:
        if call.b_leg is not None and self.in_call.hung_up_while_keying(call, call.b_leg):
            return
        if call.consult_of is not None and call.state is CallState.ANSWERED:
            call.b_alive = False
            if call.b_leg is not None:
                self.in_call.party_gone(call, call.b_leg)
            self.in_call.consult_ended(call, f"ended by {call.answered_by}")
            return
        if call.consult is not None:
            self.in_call.held_party_gone(call)
        call.b_alive = False
        if call.b_leg is not None:
            self.in_call.party_gone(call, call.b_leg)
        if call.state is CallState.ANSWERED:
            call.decide("answered", "callee hung up", "callee")
            if call.a_alive:
                self.send(call, call.a_leg, "hangup")
        self.maybe_finish(call)

    # ---- apps ----------------------------------------------------------------------------
    def session_for(self, call: Call) -> Session:
        if call.session is None:
            info = CallerInfo(caller=call.caller, caller_name=call.caller_name, called=call.called,
                              auth_user=call.auth_user, trunk=call.trunk, mode=call.mode,
                              language=str(get_setting(self.db, "language")), country=self.country())
            call.session = Session(call.a_leg, lambda kind, **f: self._send_a(call, kind, **f), info)
        return call.session

    def _send_a(self, call: Call, kind: str, **fields: Any) -> None:
        if kind == "answer":
            call.a_answered = True
        fields.pop("leg", None)
        self.send(call, call.a_leg, kind, **fields)

    def start_app(self, call: Call, destination: str) -> None:
        """Hand the caller to the app that serves the destination (apps/destinations.py)."""
        parsed = parse_destination(destination)
        app = kind_of(parsed).app
        if app is None:
            raise ValueError(f"{destination} is not served by an app")
        reason = "busy" if call.divert_reason == "busy" else "unavailable"
        self.run_app(call, destination, app(self.apps, self.session_for(call), parsed.target, reason))

    def run_app(self, call: Call, label: str, coro: Coroutine[Any, Any, Next | None]) -> None:
        self.ringing.drop_branches(call)
        call.cancel_timer()
        if call.plan is not None:
            call.plan.done = True
        call.state = CallState.APP

        async def run() -> None:
            nxt: Next | None = None
            try:
                nxt = await coro
            except CallerGone:
                pass
            except Exception:
                log.exception("call %s: %s failed", call.id, label)
            finally:
                # A queue's app is let go of when an agent answers; another app may follow.
                if call.app_task is asyncio.current_task():
                    call.app_task = None
            outcome = call.session.outcome if call.session is not None else None
            if not call.a_alive:
                # The caller hung up in the app; the app has finished its work (a message
                # is kept after the hang-up), so the record can say what happened.
                if outcome is not None:
                    call.decide(outcome[0], outcome[1], "caller")
                call.decide("answered", f"caller hung up in {label}", "caller")
                self.maybe_finish(call)
                return
            if nxt is not None:
                if outcome is not None:
                    call.route = f"{call.route}; {outcome[1]}".lstrip("; ")
                self.go(call, nxt)
                return
            if outcome is not None:
                call.decide(outcome[0], outcome[1], "system")
            else:
                call.decide("answered" if call.a_answered else "unavailable", f"{label} finished", "system")
            self.send(call, call.a_leg, "hangup")

        call.app_task = asyncio.create_task(run())

    # ---- feature codes ----------------------------------------------------------------
    def _feature(self, call: Call, feature: Feature) -> None:
        """A feature code, carried out by the feature that declared it (dialplan/feature_codes.py)."""
        code = feature.code
        if feature.owner == "door":
            self.doors.open_by_code(call, code)
            return
        if feature.owner == "park":
            self.page_parks.answer(call)
            return
        if feature.owner == "queue":
            self.run_app(call, f"feature {code}", queue_feature(self.queues, self.session_for(call), feature))
            return
        if feature.owner == "programming":
            self.run_app(call, "keypad programming", programming(self.apps, self.programming, self.session_for(call)))
            return
        if feature.owner == "phone":
            app = feature_for(self.apps, self.session_for(call), code)
            if app is not None:
                self.run_app(call, f"feature {code}", app)
                return
        result = self.features.run(call.caller, code)
        if not result.ok:
            self.refuse(call, 403, "Forbidden", result.message, "barred", "unavailable")
            return
        call.decide("feature", result.message, "system")
        call.state = CallState.REFUSING
        self.send(call, call.a_leg, "answer", code=200)
        self.send(call, call.a_leg, "tone", segments=tone(self.country(), "confirm"), loop=False)
        call.timers.append(asyncio.get_running_loop().call_later(
            2.0, lambda: self.send(call, call.a_leg, "hangup")))

    # ---- caller events ------------------------------------------------------------------
    def _caller_gone(self, call: Call) -> None:
        if self.in_call.hung_up_while_keying(call, call.a_leg):
            return
        if call.consult_of is not None:
            self.in_call.consult_hung_up(call)
            return
        if call.consult is not None:
            self.in_call.held_party_gone(call)
        call.a_alive = False
        call.cancel_timer()
        self.in_call.party_gone(call, call.a_leg)
        if call.state is CallState.PARKED:
            call.decide("answered", "caller hung up while parked", "caller")
        if call.session is not None:
            call.session.hung_up()
        if call.state is CallState.ANSWERED:
            call.decide("answered", "caller hung up", "caller")
        elif call.state in (CallState.ROUTING, CallState.RINGING):
            call.decide("cancelled", "caller hung up before answer", "caller")
        self.ringing.drop_branches(call)
        if call.b_alive and call.b_leg is not None:
            self.send(call, call.b_leg, "hangup")
        self.maybe_finish(call)

    # ---- outcomes ---------------------------------------------------------------
    def release(self, call: Call, code: int, reason: str) -> None:
        self.ringing.drop_branches(call)
        if call.consult_of is not None:
            # The consulting party is not released: they go back to the party on hold.
            self.in_call.consult_ended(call, f"refused ({code} {reason})")
            return
        self.send(call, call.a_leg, "hangup", code=code, reason=reason)

    def reject(self, call: Call, code: int, reason: str, disposition: str, cause: str, by: str) -> None:
        call.decide(disposition, cause, by)
        if call.a_answered and code == 486:
            # A caller already talking to the PBX hears busy tone, not a silent hang-up.
            self.tone_then_release(call, "busy", code, reason)
            return
        self.release(call, code, reason)

    def refuse(self, call: Call, code: int, reason: str, cause: str, disposition: str = "unavailable",
                tone_name: str = "unavailable") -> None:
        """The caller hears a tone (as early media), then is released."""
        call.decide(disposition, cause, "system")
        if not call.callback and not call.a_answered:
            self.send(call, call.a_leg, "answer", code=183)
        self.tone_then_release(call, tone_name, code, reason)

    def tone_then_release(self, call: Call, tone_name: str, code: int, reason: str) -> None:
        self.ringing.drop_branches(call)
        call.cancel_timer()
        call.state = CallState.REFUSING
        self.send(call, call.a_leg, "tone", segments=tone(self.country(), tone_name), loop=True)
        call.timers.append(asyncio.get_running_loop().call_later(
            REFUSAL_TONE_SECONDS, lambda: self.release(call, code, reason)))

    def send(self, call: Call, leg: str, kind: str, **fields: Any) -> None:
        self.leg_workers.get(leg, call.worker).send({"type": kind, "leg": leg, **fields})
        self._changed()

    def join(self, call: Call, a: str, b: str) -> None:
        """The two party legs hear each other, wherever they are (and are recorded, if the
        conversation's policy says so)."""
        tap = self.links.join(a, self.leg_workers.get(a, call.worker), b, self.leg_workers.get(b, call.worker))
        self.recorder.joined(call, a, b, tap)

    def _join_broken(self, a: str, b: str) -> None:
        call = self.by_leg.get(a) or self.by_leg.get(b)
        if call is None:
            return
        call.decide("failed", "the link between two call workers failed", "system")
        for leg in (a, b):
            self.send(call, leg, "hangup")

    # ---- bookkeeping ------------------------------------------------------------
    def announce(self, call: Call, event: str, extension: str, transfer: Transferred | None = None) -> None:
        """Tell the listeners (webhooks, the live event stream); their trouble is not the call's."""
        for listener in self.on_progress:
            try:
                listener(call, event, extension, transfer)
            except Exception:
                log.exception("call %s: a %s listener failed", call.id, event)

    def _track(self, call: Call) -> None:
        self.calls[call.id] = call
        self.by_leg[call.a_leg] = call

    def in_conversation(self, number: str, besides: Call | None = None) -> bool:
        return any(c is not besides and c.involves(number) for c in self.calls.values())

    # ---- camp-on ------------------------------------------------------------------------
    def _caller_digit(self, call: Call, digit: str) -> None:
        if digit != CAMP_ON_DIGIT or not call.camp_on_offer or call.state is not CallState.REFUSING:
            return
        camp_on.book(self.db, call.caller, call.camp_on_offer)
        number = call.camp_on_offer
        call.outcome = None
        call.decide("busy", f"all permitted lines busy; camp-on booked for {call.camp_on_offer}", "caller")
        call.camp_on_offer = ""
        call.cancel_timer()
        log.info("call %s: %s camps on for %s", call.id, call.caller, number)
        self.send(call, call.a_leg, "tone", segments=tone(self.country(), "confirm"), loop=False)
        call.timers.append(asyncio.get_running_loop().call_later(
            2.0, lambda: self.send(call, call.a_leg, "hangup")))

    def serve_camp_ons(self) -> None:
        """A line may have freed: ring back the oldest booking that can go out now."""
        for extension, number in camp_on.bookings(self.db):
            if self.in_conversation(extension, besides=None):
                continue
            plan_prefix = str(get_setting(self.db, "outside_prefix"))
            facts = CallFacts(caller=extension, dialled=plan_prefix + number, auth_user=extension)
            decision = self.router.decide(facts, self.trunk_usage())
            if isinstance(decision, Refuse) and decision.camp_on:
                continue  # still busy; keep the booking
            camp_on.cancel(self.db, extension)
            if isinstance(decision, DialOut):
                self._start_callback(extension, decision, facts.mode)
            return

    def _start_callback(self, extension: str, decision: DialOut, mode: str) -> None:
        self.ring_first(extension, decision, mode, route="camp-on callback", shown_as=decision.number,
                        display="Line free")

    def ring_first(self, extension: str, then: Decision | PromptRecording, mode: str, *, route: str, shown_as: str,
                   display: str = "") -> Call | None:
        """A call the PBX makes *to* an extension (camp-on callback, click-to-call, recording a
        greeting): once a phone of it answers, `then` is carried out for it as if it had dialled
        `shown_as` itself (or the greeting is recorded). None when
        no worker is up."""
        worker = min((w for w in self.workers if w.ready), default=None,
                     key=lambda w: sum(1 for c in self.calls.values() if c.worker is w))
        if worker is None:
            return None
        call_id = uuid.uuid4().hex[:12]
        extension_row = get_extension(self.db, extension)
        call = Call(id=call_id, worker=worker, a_leg=f"a{call_id}", caller=extension,
                    caller_name=extension_row.name if extension_row else "",
                    called=shown_as, sip_call_id=f"{route.split()[0]}-{call_id}", callback=True, mode=mode,
                    route=route, dial_target=shown_as)
        call.first_caller = extension
        call.auth_user = extension
        call.ring_first_then = then
        call.extensions[call.a_leg] = extension
        self._track(call)
        self.leg_workers[call.a_leg] = worker
        # The phone shows what it is about to call: the number, under a label when there is one.
        shown = f'"{display}" <sip:{shown_as}@{self.realm}>' if display else f"<sip:{shown_as}@{self.realm}>"
        worker.send({"type": "dial", "leg": call.a_leg, "uri": f"sip:{extension}@{self.edge}",
                     "from_uri": shown, "may_transfer": True})
        timeout = self.ring_timeout()
        call.timers.append(asyncio.get_running_loop().call_later(timeout, self._callback_unanswered, call))
        return call

    def _callback_unanswered(self, call: Call) -> None:
        if call.state is CallState.ROUTING and call.plan is None:
            call.decide("no_answer", f"no answer within {self.ring_timeout()} s", "system")
            self.send(call, call.a_leg, "hangup")

    def _callback_answered(self, call: Call) -> None:
        """The extension picked up the call the PBX made to it: now carry out what it is for."""
        then = call.ring_first_then
        if call.state is not CallState.ROUTING or call.plan is not None or then is None:
            return
        call.ring_first_then = None
        call.cancel_timer()
        # Leg A is answered: from here on the extension hears tones (ringback, refusals) from the
        # worker, as a caller talking to the PBX does.
        call.a_answered = True
        if isinstance(then, PromptRecording):
            # The phone answered the PBX's own call: the session starts answered.
            self.session_for(call).answered = True
            self.run_app(call, f"greeting {then.prompt} recording",
                         record_prompt(self.apps, self.session_for(call), then.prompt))
            return
        self.execute(call, then)

    def end_call(self, call: Call, cause: str) -> None:
        """End a call in progress from outside it (the API, the command line): every party is
        hung up, and the record says who did it."""
        call.decide("answered" if call.answered_at else "cancelled", cause, "system")
        call.cancel_timer()
        self.ringing.drop_branches(call)
        if call.session is not None:
            call.session.hung_up()
        for party, alive in ((call.a_leg, call.a_alive), (call.b_leg, call.b_alive)):
            if party is not None and alive:
                self.send(call, party, "hangup")

    def maybe_finish(self, call: Call) -> None:
        if not call.finished or call.state is CallState.ENDED:
            return
        call.state = CallState.ENDED
        call.cancel_timer()
        self.in_call.finished(call)
        self.calls.pop(call.id, None)
        for leg in [leg for leg, c in self.by_leg.items() if c is call]:
            self.by_leg.pop(leg, None)
        self._write_record(call)
        self.recorder.call_ended(call)
        if call.trunk:
            self.serve_camp_ons()

    def _write_record(self, call: Call) -> None:
        record = call.record()
        try:
            write_cdr(self.db, record)
        except Exception:
            # Losing a CDR row must not take calls down; the log keeps the facts.
            log.exception("could not write CDR for call %s: %s", call.id, record)
        for listener in self.on_call_ended:
            listener(call, record)

    def worker_lost(self, worker: WorkerHandle) -> None:
        """A worker died: its calls are gone; record them and free the extensions."""
        self.recorder.worker_lost(worker)
        lost = {leg for leg, w in self.leg_workers.items() if w is worker}
        for leg in lost:
            self.leg_workers.pop(leg, None)
        # A call with a party on the lost worker is broken; the party left elsewhere is hung up.
        for call in [c for c in self.calls.values() if c.worker is not worker and
                     ({c.a_leg, c.b_leg} & lost)]:
            call.decide("answered" if call.answered_at else "failed", "call worker failed", "system")
            if call.b_leg in lost:
                call.b_alive = False
            for party in (call.a_leg, call.b_leg):
                if party is not None and party not in lost:
                    self.send(call, party, "hangup")
        for call in [c for c in self.calls.values() if c.worker is worker]:
            call.decide("failed" if call.answered_at is None else "answered", "call worker failed", "system")
            for party in (call.a_leg, call.b_leg):
                if party is not None:
                    self.links.forget(party)
                    if party in self.leg_workers:  # a party that a transfer or pickup put elsewhere
                        self.send(call, party, "hangup")
            call.a_alive = call.b_alive = False
            call.branches.clear()
            if call.session is not None:
                call.session.hung_up()
            self.maybe_finish(call)

    def active_calls(self) -> list[dict[str, object]]:
        calls = []
        for call in self.calls.values():
            snapshot = call.snapshot()
            parties = [leg for leg in (call.a_leg, call.b_leg) if leg is not None]
            # Which workers hold the parties: two numbers = media joined by a link.
            snapshot["party_workers"] = sorted({self.leg_workers[leg].number for leg in parties
                                                if leg in self.leg_workers})
            calls.append(snapshot)
        return calls
