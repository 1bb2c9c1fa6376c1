"""Call queues at run time: callers wait their turn with music, hear their position, and are
served in order by whichever agent is free.

    join --full, or nobody logged in (join_empty off)--> overflow
      |
    waiting: the queue's app has the caller (answer, "you are caller number 2", music,
      |      the leave key, the position again every announce_seconds)
      |   each round (every second, and at once after every change):
      |     waited max_wait_seconds, or the last agent logged out (leave_empty) --> overflow
      |     the first caller not yet being served gets the agents the strategy picks
      |     among the free ones (logged in, not paused, registered, not on DND, not on a
      |     call or ringing, wrap-up over; lowest penalty first)
    ringing: the agents ring, the caller hears the music on (Ringing.ring_while_waiting)
      |     no answer in ring_seconds --> waiting; after retry_seconds the next choice
      |       (everyone tried: they are all tried again, "until someone answers")
    answered: the agent is joined to the caller, the app stops; wrap-up after the call
    hung up while waiting: abandoned
    the callback key: the caller confirms their number (1) or keys another, hangs up and
      keeps their place (a stored request, queue_callbacks); in one of the queue's callback
      modes, when their turn comes, the chosen agent's phone rings first ("callback
      0401234567"), then the number is dialled within the queue's class of service; not
      reached: tried again callback_retry_minutes later, callback_attempts times, then failed

Callers are served strictly in order, VIP callers (the VIP list) ahead of the others:
a caller in their retry pause holds the ones behind. Every caller who reached a queue
leaves one row in `queue_calls` (answered, abandoned, overflow, left) with the wait and,
once the call ends, the talk time: `minipbx queue stats` counts those rows.
"""
from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firmware.apps.destinations import DestinationKind, Target
from firmware.apps.forwarding.config import get_forwarding
from firmware.apps.session import INTER_DIGIT_SECONDS, CallerGone, Next, Session
from firmware.brain.calls import Call, RingPlan
from firmware.brain.control import CallCommandRefused, RequestCallback
from firmware.brain.routing import Decision, DialOut, RingExtension
from firmware.calls.music import DEFAULT_CLASS, music_files
from firmware.modes.state import mode_now
from firmware.queues.config import (
    Agent,
    Callback,
    Queue,
    TooManyRequests,
    callbacks_interrupted,
    check_request_limits,
    due_callbacks,
    get_queue,
    in_callback_hours,
    log_caller,
    log_talk,
    request_callback,
    update_callback,
)
from firmware.store.cdr import CallRecord
from firmware.store.extensions import get_extension
from firmware.store.registrations import registrations

if TYPE_CHECKING:
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.queues")

ROUND_SECONDS = 1.0
# Answered callers whose wait makes the estimate ("your estimated waiting time is").
_ESTIMATE_FROM = 20


@dataclass(eq=False)
class Waiting:
    call: Call
    queue: str
    joined: datetime
    since: float  # monotonic
    vip: bool
    leave: asyncio.Future[Next]  # set when the queue sends the caller elsewhere (overflow)
    ringing: tuple[str, ...] = ()  # agents ringing for this caller now
    retry_at: float = 0.0
    tried: set[str] = field(default_factory=set)  # agents rung in vain this round
    position: int = 0  # their place when they joined (queue_calls.position)

    def waited(self, now: float | None = None) -> float:
        return (now if now is not None else time.monotonic()) - self.since


@dataclass
class AgentRecord:
    """What a queue remembers of an agent since the brain started (strategies read it)."""
    idle_since: float = 0.0  # monotonic end of their last call from this queue (0 = none yet)
    answered: int = 0


@dataclass
class LiveQueue:
    config: Queue
    waiting: list[Waiting] = field(default_factory=list)
    agents: dict[str, AgentRecord] = field(default_factory=dict)
    last_agent: str = ""  # roundrobin: who took the last call
    staffed: bool = False  # some agent was logged in at the last round (leave_empty acts on the change)

    def record(self, extension: str) -> AgentRecord:
        return self.agents.setdefault(extension, AgentRecord())


@dataclass
class _CallingBack:
    callback: Callback
    agent: str


@dataclass
class _Served:
    queue: str
    row: int
    answered: float
    agent: str


class QueueDesk:
    def __init__(self, switch: Switch) -> None:
        self.switch = switch
        self.db = switch.db
        self.data_dir = switch.data_dir
        self.live: dict[str, LiveQueue] = {}
        self._served: dict[str, _Served] = {}  # call id -> the queue row and agent of its answer
        self._wrapup_until: dict[str, float] = {}  # extension -> monotonic
        self._calling: dict[str, _CallingBack] = {}  # call id of a callback being made -> its request
        self._round_timer: asyncio.TimerHandle | None = None
        self._round_soon = False
        switch.on_call_ended.append(self._call_ended)

    def start(self) -> None:
        """The brain is up: callbacks interrupted by a restart wait again, and are served."""
        interrupted = callbacks_interrupted(self.db)
        if interrupted:
            log.info("%d queue callback(s) interrupted by the restart wait again", interrupted)
        self._kick()

    # ---- a caller arrives -----------------------------------------------------------
    def join(self, call: Call, name: str) -> None:
        queue = get_queue(self.db, name)
        if queue is None:
            self.switch.refuse(call, 480, "Temporarily Unavailable", f"queue {name} does not exist")
            return
        live = self.live.setdefault(name, LiveQueue(queue))
        live.config = queue
        live.staffed = live.staffed or any(a.logged_in for a in queue.members)
        self.switch.trail(call, f"queue {name}")
        if not queue.join_empty and not any(a.logged_in for a in queue.members):
            self._overflow_at_once(call, queue, "no agent is logged in")
            return
        if queue.max_callers and len(live.waiting) >= queue.max_callers:
            self._overflow_at_once(call, queue, f"{queue.max_callers} callers already wait")
            return
        entry = Waiting(call, name, datetime.now(UTC), time.monotonic(), self._vip(call),
                        asyncio.get_running_loop().create_future())
        # VIP callers go ahead of everyone but the VIPs who came before them.
        at = next((i for i, w in enumerate(live.waiting) if entry.vip and not w.vip), len(live.waiting))
        live.waiting.insert(at, entry)
        entry.position = at + 1
        log.info("call %s: %s waits in queue %s (position %d)", call.id, call.caller, name, at + 1)
        self.switch.run_app(call, f"queue {name}", self._wait(self.switch.session_for(call), entry))
        self._kick()

    def _vip(self, call: Call) -> bool:
        return bool(call.inbound and self.db.execute(
            "SELECT 1 FROM caller_lists WHERE list = 'vip' AND number = ?", [call.caller]).fetchone())

    def _overflow_at_once(self, call: Call, queue: Queue, why: str) -> None:
        log.info("call %s: queue %s overflow: %s", call.id, queue.name, why)
        log_caller(self.db, queue=queue.name, call_id=call.id, caller=call.caller, joined_at=datetime.now(UTC),
                   outcome="overflow")
        self.switch.go(call, Next(queue.overflow, route=f"queue {queue.name} overflow ({why})"))

    # ---- the caller's side: the queue's app -------------------------------------------
    async def _wait(self, session: Session, entry: Waiting) -> Next | None:
        live = self.live[entry.queue]
        try:
            await session.answer()
            await self._announce(session, entry)
            session.music(self._music(entry))
            while True:
                queue = live.config
                announces = queue.announce_position or queue.announcement
                every = queue.announce_seconds if announces and queue.announce_seconds else 3600
                key_task = asyncio.ensure_future(session.key(every))
                either: list[asyncio.Future[Any]] = [key_task, entry.leave]
                try:
                    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    if not key_task.done():
                        key_task.cancel()
                if entry.leave.done():
                    return entry.leave.result()
                key = key_task.result()
                if key and key == queue.leave_key and queue.leave_destination:
                    self._leave(entry, "left")
                    return Next(queue.leave_destination, route=f"queue {queue.name} key {key}")
                if key and key == queue.callback_key:
                    if await self._offer_callback(session, entry):
                        return None
                    session.music(self._music(entry))
                    continue
                if not key:
                    await self._announce(session, entry)
                    session.music(self._music(entry))
        except CallerGone:
            waited = entry.waited()
            if self._leave(entry, "abandoned"):
                session.note("cancelled", f"caller hung up after {waited:.0f} s waiting in queue {entry.queue}")
            raise

    async def _announce(self, session: Session, entry: Waiting) -> None:
        """The caller's position and estimated wait, the queue's own announcement, the callback key."""
        live = self.live[entry.queue]
        queue = live.config
        if entry not in live.waiting:
            return
        lang = session.info.language
        prompts = self.switch.prompts
        files: list[Path] = []
        if queue.announce_position:
            position = live.waiting.index(entry) + 1
            files += [prompts.system("caller-number", lang), *prompts.number(position, lang)]
            minutes = self._estimate(queue, position)
            if minutes is not None:
                files.append(prompts.system("estimated-wait", lang))
                files += [prompts.system("one-minute", lang)] if minutes == 1 else [
                    *prompts.number(minutes, lang), prompts.system("minutes", lang)]
        own = prompts.custom(queue.announcement) if queue.announcement else None
        if own is not None:
            files.append(own)
        elif queue.announcement:
            log.warning("queue %s: announcement prompt %s has no file; upload it again", queue.name,
                        queue.announcement)
        if files and queue.callback_key:
            files += [prompts.system("callback-press", lang), *prompts.digits(queue.callback_key, lang)]
        if files:
            await session.play(files)

    async def _offer_callback(self, session: Session, entry: Waiting) -> bool:
        """The caller asks to be called back: their number (1) or another one; True once booked."""
        queue, call = self.live[entry.queue].config, entry.call
        lang, prompts = session.info.language, self.switch.prompts
        session.clear_keys()
        known = call.caller if call.caller.isdigit() else ""
        files = [prompts.system("callback-at", lang), *prompts.digits(known, lang)] if known else []
        await session.play([*files, prompts.system("callback-confirm", lang)])
        first = await session.key(8.0)
        if first == "1" and known:
            number = known  # 1 confirms at once
        elif first.isdigit():
            number = first + await session.digits(max_digits=19, first_timeout=INTER_DIGIT_SECONDS)
        else:
            return False  # no key, or * / #: back to waiting
        if len(number) < 3:
            await session.play([prompts.system("not-allowed", lang)])
            return False
        dial = self._dialable(number, inbound=call.inbound, typed_by_caller=number != known)
        if isinstance(self._callback_decision(queue, dial), DialOut | RingExtension):
            request = request_callback(self.db, queue.name, dial, entry.joined)
            self._leave(entry, "callback")
            log.info("call %s: callback %d to %s requested in queue %s", call.id, request.id, dial, queue.name)
            session.note("answered", f"callback to {number} requested in queue {queue.name}")
            await session.play([prompts.system("callback-booked", lang)], interruptible=False)
            return True
        await session.play([prompts.system("not-allowed", lang)])
        return False

    def _dialable(self, number: str, *, inbound: bool, typed_by_caller: bool) -> str:
        """The number as a desk phone dials it: an outside caller's own number, or one an outside
        caller keyed, gets the outside-line code in front."""
        if get_extension(self.db, number) is not None and not (inbound and typed_by_caller):
            return number
        from firmware.dialplan.plan import load_plan

        prefix = load_plan(self.db).outside_prefix
        return number if number.startswith(prefix) and not inbound else prefix + number

    def request_from_outside(self, command: RequestCallback, number: str) -> int:
        """A "call me back" request from outside the phone system (the HTTP API, for a website's
        form): stored like a waiting caller's, its place the moment it came; the request's id.
        The number is one a caller types (an outside number, without the outside-line code)."""
        queue = get_queue(self.db, command.queue)
        if queue is None:
            raise CallCommandRefused(f"queue {command.queue} does not exist", "not_found")
        dial = self._dialable(number, inbound=True, typed_by_caller=True)
        try:
            check_request_limits(self.db, queue.name, dial, command.address)
        except TooManyRequests as exc:
            raise CallCommandRefused(str(exc), "limited") from None
        decision = self._callback_decision(queue, dial)
        if not isinstance(decision, DialOut):
            why = getattr(decision, "cause", "it is not an outside number")
            raise CallCommandRefused(f"queue {queue.name} may not call {number} back: {why}", "barred")
        request = request_callback(self.db, queue.name, dial, datetime.now(UTC), source="api",
                                   address=command.address, by=command.by)
        log.info("queue %s: callback %d to %s requested by %s from %s", queue.name, request.id, dial, command.by,
                 command.address or "?")
        self._kick()
        return request.id

    def _callback_decision(self, queue: Queue, number: str) -> Decision:
        if get_extension(self.db, number) is not None:
            return RingExtension(number, f"queue {queue.name} callback to {number}")
        return self.switch.router.dial_number(number, caller="", profile=queue.callback_profile,
                                              busy_trunks=self.switch.trunk_usage())

    def _estimate(self, queue: Queue, position: int) -> int | None:
        """Minutes this caller may wait: the mean wait of the last answered callers, times the
        position (None until someone was answered)."""
        row = self.db.execute(
            "SELECT AVG(wait_seconds) FROM (SELECT wait_seconds FROM queue_calls WHERE queue = ? AND "
            "outcome = 'answered' ORDER BY id DESC LIMIT ?)", [queue.name, _ESTIMATE_FROM]).fetchone()
        if row is None or row[0] is None:
            return None
        return max(1, math.ceil(float(row[0]) * position / 60.0))

    def _music(self, entry: Waiting) -> list[str]:
        music_class = self.live[entry.queue].config.music or entry.call.music_class or DEFAULT_CLASS
        return music_files(self.db, self.data_dir, music_class)

    def prompts(self, session: Session, *names: str) -> list[Path]:
        return [self.switch.prompts.system(name, session.info.language) for name in names]

    # ---- rounds: who is served next ---------------------------------------------------------
    def agents_changed(self) -> None:
        """An agent logged in or out or paused (a code, the CLI, the API): look again now."""
        self._kick()

    def _kick(self) -> None:
        if not self._round_soon:
            self._round_soon = True
            asyncio.get_running_loop().call_soon(self._round)

    def _round(self) -> None:
        self._round_soon = False
        if self._round_timer is not None:
            self._round_timer.cancel()
            self._round_timer = None
        now = time.monotonic()
        registered = {r.extension for r in registrations(self.db)}
        taken = {agent for live in self.live.values() for entry in live.waiting for agent in entry.ringing}
        with_callbacks = self._queues_with_callbacks()
        mode = mode_now(self.db).mode if with_callbacks else ""
        for name, live in self.live.items():
            if not live.waiting and name not in with_callbacks:
                continue
            live.config = get_queue(self.db, name) or live.config
            taken |= self._serve(live, now, registered, taken, mode if name in with_callbacks else "")
        if with_callbacks or any(live.waiting for live in self.live.values()):
            self._round_timer = asyncio.get_running_loop().call_later(ROUND_SECONDS, self._round)

    def _queues_with_callbacks(self) -> set[str]:
        """Queues with requests waiting: they need rounds even with nobody on the line."""
        names = {str(n) for (n,) in self.db.execute(
            "SELECT DISTINCT queue FROM queue_callbacks WHERE state = 'waiting'").fetchall()}
        for name in names - set(self.live):
            queue = get_queue(self.db, name)
            if queue is not None:
                self.live[name] = LiveQueue(queue)
        return names

    def _serve(self, live: LiveQueue, now: float, registered: set[str], taken: set[str], mode: str) -> set[str]:
        queue = live.config
        logged_in = any(a.logged_in for a in queue.members)
        last_out = live.staffed and not logged_in
        live.staffed = logged_in
        for caller in list(live.waiting):
            if queue.max_wait_seconds and caller.waited(now) >= queue.max_wait_seconds:
                self._overflow(caller, f"waited {queue.max_wait_seconds} s")
            elif last_out and queue.leave_empty:
                self._overflow(caller, "the last agent logged out")
        free = [a for a in queue.members if a.extension not in taken and self._free(a, now, registered)]
        rung: set[str] = set()
        for entry in self._in_order(live, mode):
            if isinstance(entry, Callback):
                choice = self._choose(live, None, [a for a in free if a.extension not in rung])[:1]
                if not choice:
                    break
                rung |= set(choice)
                self._call_back(live, entry, choice[0])
                continue
            if entry.ringing or not entry.call.a_alive:
                continue  # a caller who just hung up leaves when their app hears it
            if now < entry.retry_at:
                break  # served in order: the ones behind wait too
            choice = self._choose(live, entry, [a for a in free if a.extension not in rung])
            if not choice:
                break
            rung |= set(choice)
            self._ring(live, entry, choice)
        return rung

    def _in_order(self, live: LiveQueue, mode: str) -> list[Waiting | Callback]:
        """Who is served next: the callers waiting and the callbacks due (`mode`: the operating
        mode now, '' when the queue has none waiting), by the time each caller joined; VIPs first."""
        queue = live.config
        # A callback being made is `calling`, so it is not due again.
        due = due_callbacks(self.db, queue.name, datetime.now(UTC)) if mode and in_callback_hours(
            self.db, queue, mode) else []
        ordered: list[tuple[tuple[int, str], Waiting | Callback]] = [
            ((0 if w.vip else 1, w.joined.isoformat()), w) for w in live.waiting]
        ordered += [((1, cb.place), cb) for cb in due]
        return [item for _, item in sorted(ordered, key=lambda pair: pair[0])]

    def _call_back(self, live: LiveQueue, callback: Callback, agent: str) -> None:
        queue = live.config
        decision = self._callback_decision(queue, callback.number)
        if not isinstance(decision, DialOut | RingExtension):
            update_callback(self.db, callback.id, state="failed",
                            result=f"{callback.number} may not be dialled: {getattr(decision, 'cause', decision)}")
            return
        call = self.switch.ring_first(agent, decision, mode_now(self.db).mode, route=f"queue {queue.name} callback",
                                      shown_as=callback.number, display=f"callback {callback.number}")
        if call is None:
            return  # no worker up: the next round tries again
        update_callback(self.db, callback.id, state="calling", agent=agent, result=f"ringing {agent}")
        self._calling[call.id] = _CallingBack(callback, agent)
        log.info("call %s: queue %s calls back %s through %s", call.id, queue.name, callback.number, agent)

    def _free(self, agent: Agent, now: float, registered: set[str]) -> bool:
        extension = agent.extension
        if not agent.logged_in or agent.paused or self._wrapup_until.get(extension, 0.0) > now:
            return False
        if agent.outside:
            # Nothing tells whether an outside phone is busy but our own calls to it.
            return all(s.agent != extension for s in self._served.values()) and all(
                c.agent != extension for c in self._calling.values())
        return (extension in registered and not get_forwarding(self.db, extension).dnd
                and not self.switch.in_conversation(extension))

    def _choose(self, live: LiveQueue, entry: Waiting | None, free: list[Agent]) -> tuple[str, ...]:
        if not free:
            return ()
        tried = entry.tried if entry is not None else set()
        untried = [a for a in free if a.extension not in tried]
        if not untried:
            tried.clear()  # everyone was tried: all of them again
            untried = free
        lowest = min(a.penalty for a in untried)
        pool = [a.extension for a in untried if a.penalty == lowest]  # in the queue's list order
        strategy = live.config.strategy
        if strategy == "ringall":
            return tuple(pool)
        order = [a.extension for a in live.config.members]
        if strategy == "roundrobin":
            after = order.index(live.last_agent) if live.last_agent in order else -1
            return (min(pool, key=lambda e: (order.index(e) - after - 1) % len(order)),)
        if strategy == "leastrecent":
            return (min(pool, key=lambda e: live.record(e).idle_since),)
        if strategy == "fewestcalls":
            return (min(pool, key=lambda e: live.record(e).answered),)
        if strategy == "random":
            return (random.choice(pool),)
        return (pool[0],)  # linear

    def _ring(self, live: LiveQueue, entry: Waiting, agents: tuple[str, ...]) -> None:
        queue, call = live.config, entry.call
        entry.ringing = agents
        log.info("call %s: queue %s rings %s (%s)", call.id, queue.name, ", ".join(agents), queue.strategy)
        members: list[str | DialOut] = []
        by_target: dict[str, str] = {}  # what the switch calls the answering member -> the agent
        for agent in agents:
            if not agent.startswith("number:"):
                members.append(agent)
                continue
            decision = self.switch.router.dial_number(agent[7:], caller=call.caller, profile=queue.callback_profile,
                                                      busy_trunks=self.switch.trunk_usage(), mode=call.mode or None)
            if isinstance(decision, DialOut):
                members.append(decision)
                by_target[decision.number] = agent
            else:
                log.warning("call %s: queue %s agent %s cannot be dialled: %s", call.id, queue.name, agent,
                            getattr(decision, "cause", decision))
        waited = int(entry.waited())
        shown = f"{queue.name} {waited // 60}:{waited % 60:02d}" if queue.show_wait else queue.name
        whisper = self.switch.prompts.custom(queue.whisper) if queue.whisper else None
        plan = RingPlan(members, "all", 0, lambda why, code: self._not_answered(entry, agents),
                        label=f"queue {queue.name}",
                        caller_display=f"{shown}: {call.caller_name or call.caller}",
                        on_answer=lambda target: self._answered(entry, by_target.get(target, target)),
                        whisper=[whisper] if whisper is not None else [])
        self.switch.ringing.ring_while_waiting(call, plan, queue.ring_seconds)

    def _not_answered(self, entry: Waiting, agents: tuple[str, ...]) -> None:
        entry.ringing = ()
        entry.tried |= set(agents)
        live = self.live.get(entry.queue)
        if live is None or entry not in live.waiting:
            return
        entry.retry_at = time.monotonic() + live.config.retry_seconds
        loop = asyncio.get_running_loop()
        loop.call_later(live.config.retry_seconds, self._kick)

    def _answered(self, entry: Waiting, agent: str) -> None:
        live = self.live[entry.queue]
        waited = entry.waited()
        if entry in live.waiting:
            live.waiting.remove(entry)
        entry.ringing = ()
        live.last_agent = agent
        live.record(agent).answered += 1
        row = log_caller(self.db, queue=entry.queue, call_id=entry.call.id, caller=entry.call.caller,
                         joined_at=entry.joined, outcome="answered", agent=agent, wait_seconds=waited,
                         position=entry.position)
        self._served[entry.call.id] = _Served(entry.queue, row, time.monotonic(), agent)
        self.switch.trail(entry.call, f"queue {entry.queue} answered by {agent} after {waited:.0f} s")
        log.info("call %s: queue %s answered by %s after %.1f s", entry.call.id, entry.queue, agent, waited)
        self._kick()

    # ---- callers leaving ------------------------------------------------------------------------
    def _overflow(self, entry: Waiting, why: str) -> None:
        queue = self.live[entry.queue].config
        if not self._leave(entry, "overflow"):
            return
        call = entry.call
        log.info("call %s: queue %s overflow after %.0f s: %s", call.id, queue.name, entry.waited(), why)
        if call.plan is not None:
            call.plan.done = True
        call.cancel_timer()
        self.switch.ringing.drop_branches(call)
        entry.leave.set_result(Next(queue.overflow, route=f"queue {queue.name} overflow ({why})"))

    def _leave(self, entry: Waiting, outcome: str) -> bool:
        """The caller is out of the queue (once): its row says how."""
        live = self.live.get(entry.queue)
        if live is None or entry not in live.waiting:
            return False
        live.waiting.remove(entry)
        log_caller(self.db, queue=entry.queue, call_id=entry.call.id, caller=entry.call.caller,
                   joined_at=entry.joined, outcome=outcome, wait_seconds=entry.waited(), position=entry.position)
        self._kick()
        return True

    def _call_ended(self, call: Call, record: CallRecord) -> None:
        calling = self._calling.pop(call.id, None)
        if calling is not None:
            self._callback_ended(call, record, calling)
        served = self._served.pop(call.id, None)
        if served is None:
            return
        now = time.monotonic()
        log_talk(self.db, served.row, now - served.answered)
        live = self.live[served.queue]
        live.record(served.agent).idle_since = now
        # The rest holds the agent in every queue: it is the person who needs it.
        wrapup = live.config.wrapup_seconds
        self._wrapup_until[served.agent] = max(self._wrapup_until.get(served.agent, 0.0), now + wrapup)
        asyncio.get_running_loop().call_later(wrapup, self._kick)
        self._kick()

    def _callback_ended(self, call: Call, record: CallRecord, calling: _CallingBack) -> None:
        callback, agent = calling.callback, calling.agent
        queue = get_queue(self.db, callback.queue)
        live = self.live.get(callback.queue)
        now = time.monotonic()
        if call.answered_at is not None:
            update_callback(self.db, callback.id, state="done", result=f"{agent} talked to {callback.number}")
            if live is not None:
                live.last_agent = agent
                live.record(agent).answered += 1
                live.record(agent).idle_since = now
            self._wrapup_until[agent] = now + (queue.wrapup_seconds if queue else 0)
        elif not call.a_answered:
            # The agent did not take it: the request keeps its place for the next free agent.
            update_callback(self.db, callback.id, state="waiting", agent="", result=f"{agent} did not answer")
        else:
            attempts = callback.attempts + 1
            most = queue.callback_attempts if queue else 1
            if attempts >= most:
                update_callback(self.db, callback.id, state="failed", attempts=attempts,
                                result=f"{callback.number} not reached in {attempts} tries ({record.disposition})")
            else:
                later = datetime.now(UTC).timestamp() + 60 * (queue.callback_retry_minutes if queue else 10)
                update_callback(self.db, callback.id, state="waiting", attempts=attempts, agent="",
                                next_at=datetime.fromtimestamp(later, UTC).isoformat(),
                                result=f"{callback.number} not reached ({record.disposition}); tried {attempts}")
        self._kick()

    # ---- what `minipbx queue show` and `status` tell --------------------------------------------
    def snapshot(self) -> dict[str, dict[str, object]]:
        now = time.monotonic()
        return {name: {"waiting": [{"caller": w.call.caller, "position": i + 1, "waited": round(w.waited(now), 1),
                                    "ringing": list(w.ringing), "vip": w.vip}
                                   for i, w in enumerate(live.waiting)],
                       "wrapup": {e: round(t - now, 1) for e, t in self._wrapup_until.items() if t > now}}
                for name, live in self.live.items()}


def _serve(switch: Switch, call: Call, name: str, nxt: Next) -> None:
    switch.queues.join(call, name)


DESTINATION_KINDS = (
    DestinationKind("queue", Target.NAME, "queue:NAME", exists="SELECT 1 FROM queues WHERE name = ?",
                    choices="SELECT name, name FROM queues ORDER BY name",
                    missing="queue {} does not exist; see `queue list`", serve=_serve),
)
