"""A call as the brain sees it: its parties' legs (on any workers) and a small state machine.

    ROUTING --dial--> RINGING --callee answers--> ANSWERED --either hangs up--> ENDED
       |                 |                          |  ^
       |                 |          transfer (blind) |  | retrieved
       |                 |      back to ROUTING <----+  |
       |                 |                          +--> PARKED (music; slot timeout rings the parker)
       +-- refused ------+--> REFUSING (caller hears a tone, then is released) --> ENDED

`a_leg` is the party being served (the caller, or whoever stays when the other party
transfers); `b_leg` the party it talks to. Either may sit on any worker: `worker` is
the a_leg's, and the switch knows every leg's worker.

The outcome (disposition, cause, who hung up) is fixed by the first event that
decides it; later events (the other leg's BYE or CANCEL answer) do not change it.
"""
from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from firmware.apps.prompt_recording import PromptRecording
from firmware.brain.routing import Decision, DialOut
from firmware.brain.workers import WorkerHandle
from firmware.calls.history import CallHistory
from firmware.calls.keys import InCallKeys, NumberEntry
from firmware.store.cdr import CallRecord
from firmware.trunks.config import Trunk

if TYPE_CHECKING:
    from firmware.apps.session import Session


class CallState(enum.Enum):
    ROUTING = "routing"
    RINGING = "ringing"
    APP = "app"  # a voice menu, voicemail or phone feature has the caller
    ANSWERED = "answered"
    REFUSING = "refusing"
    PARKED = "parked"
    CONFERENCE = "conference"  # a three-way call or a page: its legs are in an ad-hoc room (firmware/conference)
    ENDED = "ended"


@dataclass
class Branch:
    """One leg ringing on the caller's behalf: an extension or an outside number."""
    target: str  # extension number, or the outside number as the trunk gets it
    dial_out: DialOut | None = None
    spare_trunks: tuple[Trunk, ...] = ()


@dataclass
class RingPlan:
    """Who rings for a call, and how: all at once, one by one (linear), or one by
    one with earlier phones ringing on (cascade). `on_fail` is called once, with
    why ('busy', 'no_answer', 'unreachable', 'failed') and the last SIP code."""
    members: list[str | DialOut]  # not yet dialled, in order
    strategy: str
    step_seconds: float
    on_fail: Callable[[str, int], None]
    label: str = ""
    # Ring group calls: the pickup group whose members may answer it with *8.
    pickup_group: str = ""
    # A queue rings its agents while the caller stays in the queue's app (music, their
    # position): the app is stopped only when an agent answers (firmware/queues/desk.py).
    while_waiting: bool = False
    # What the rung phones show as the caller's name (None = the caller's own name).
    caller_display: str | None = None
    # Told who answered (the member's number), before the parties are joined.
    on_answer: Callable[[str], None] | None = None
    # Played to the member who answers before the caller is joined (a queue's whisper: "sales
    # line"); the caller keeps hearing what they heard. A member who hangs up during it has not
    # answered.
    whisper: list[Path] = field(default_factory=list)
    last_code: int = 0
    saw_busy: bool = False
    saw_unreachable: bool = False
    done: bool = False


@dataclass(frozen=True)
class Transferred:
    """What a call.transferred report adds: who sent the caller on, and how."""
    by: str
    attended: bool


# A listener of the switch's progress reports: (call, event, extension, transfer details or None).
ProgressListener = Callable[["Call", str, str, "Transferred | None"], None]


@dataclass
class Outcome:
    disposition: str
    cause: str
    by: str


@dataclass
class Call:
    id: str
    worker: WorkerHandle
    a_leg: str
    caller: str
    caller_name: str
    called: str
    sip_call_id: str
    state: CallState = CallState.ROUTING
    b_leg: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    answered_at: datetime | None = None
    answered_by: str | None = None
    outcome: Outcome | None = None
    a_alive: bool = True
    b_alive: bool = False
    # Routing facts, recorded in the CDR.
    trunk: str = ""  # the trunk the call came in on or went out on
    did: str = ""
    mode: str = ""
    route: str = ""
    # Outbound: trunks still to try if the current one fails.
    spare_trunks: tuple[Trunk, ...] = ()
    dial_target: str = ""
    caller_id: str = ""
    b_count: int = 0
    # Camp-on: the number offered while the caller hears "all lines busy".
    camp_on_offer: str = ""
    # A camp-on callback or click-to-call: leg A is a call *to* the extension (Switch.ring_first).
    callback: bool = False
    # Legs ringing now (leg -> what rings there); the one that answers becomes b_leg.
    branches: dict[str, Branch] = field(default_factory=dict)
    plan: RingPlan | None = None
    timers: list[asyncio.TimerHandle] = field(default_factory=list)
    # The caller's leg got 200 from an app: no more 180/183, tones instead.
    a_answered: bool = False
    session: Session | None = None
    app_task: asyncio.Task[None] | None = None
    # Extensions whose forwarding this call followed, to stop forwarding loops.
    visited: list[str] = field(default_factory=list)
    # The caller's extension when the call comes from an authenticated device.
    auth_user: str = ""
    # Why the call left the extension it was meant for (busy, no_answer, ...): the voicemail greeting.
    divert_reason: str = ""
    # A call the PBX made to an extension (camp-on callback, click-to-call): what to do for it
    # once it answers (dial the number it wanted, record a greeting).
    ring_first_then: Decision | PromptRecording | None = None
    # Party legs that are extensions -> their number (an outside caller is never here, so its
    # number cannot make a same-numbered extension look busy).
    extensions: dict[str, str] = field(default_factory=dict)
    # SIP Call-IDs of party legs (an attended transfer names the consultation call by it).
    leg_call_ids: dict[str, str] = field(default_factory=dict)
    # The first caller, for the record: a transfer may make someone else the a_leg party.
    first_caller: str = ""
    history: CallHistory = field(default_factory=CallHistory)
    # A blind transfer not answered in time rings the transferrer again.
    recall_to: str = ""
    recall_timer: asyncio.TimerHandle | None = None
    # In-call keys per party leg, and a number being keyed in after an in-call code.
    keys: dict[str, InCallKeys] = field(default_factory=dict)
    entry: tuple[str, NumberEntry] | None = None
    # Consultation (attended transfer from *2 or an analog flash): on the held call, the
    # consultation call that has borrowed the consulting party's leg; on the consultation
    # call, the held call; `toggled`: the consulting party talks to the held party again.
    consult: Call | None = None
    consult_of: Call | None = None
    toggled: bool = False
    # A consultation from *3: once answered, all three are joined (a three-way call).
    merge_on_answer: bool = False
    # When the consulting party last flashed (analog): flash, then 3 joins all three.
    flashed_at: float = 0.0
    # The music class this caller hears on hold ('' = default): from the trunk route.
    music_class: str = ""
    # The call came in on a trunk or exchange line (`trunk` may later name the one it went out on);
    # or it was for an outside number (went out, or was refused: barred, no line).
    inbound: bool = False
    outbound: bool = False
    # *80: the callee's phone is asked to answer by itself (firmware/intercom).
    intercom: bool = False
    # Party legs whose phone put the conversation on hold (their busy lamp shows it).
    held_legs: set[str] = field(default_factory=set)
    # Ring groups the call went through (their recording policies apply to its conversations).
    groups: list[str] = field(default_factory=list)

    def decide(self, disposition: str, cause: str, by: str) -> None:
        """Record how the call ended; only the first decision counts."""
        if self.outcome is None:
            self.outcome = Outcome(disposition, cause, by)

    def cancel_timer(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()

    def involves(self, number: str) -> bool:
        """The extension is on this call: calling, talking, or being rung."""
        return number in self.extensions.values() or any(
            b.target == number and b.dial_out is None for b in self.branches.values())

    @property
    def party_extension(self) -> str:
        """The a_leg party's extension ('' for an outside caller)."""
        return self.extensions.get(self.a_leg, "")

    def other(self, leg: str) -> str | None:
        """The party leg the given party leg talks to."""
        if leg == self.a_leg:
            return self.b_leg
        return self.a_leg if leg == self.b_leg else None

    @property
    def finished(self) -> bool:
        # An app still running (saving a message after the hang-up) finishes the call itself.
        return not self.a_alive and not self.b_alive and not self.branches and self.app_task is None

    def record(self) -> CallRecord:
        outcome = self.outcome or Outcome("failed", "ended without a cause", "system")
        self.history.hold_ended()  # a call that ends on hold counts its hold time up to now
        return CallRecord(
            call_id=self.sip_call_id,
            caller=self.first_caller or self.caller,
            called=self.called,
            started_at=self.started_at,
            ended_at=datetime.now(UTC),
            disposition=outcome.disposition,
            hangup_cause=outcome.cause,
            hangup_by=outcome.by,
            answered_by=self.answered_by,
            answered_at=self.answered_at,
            worker=self.worker.number,
            trunk=self.trunk or None,
            did=self.did or None,
            mode=self.mode or None,
            route=self.route or None,
            history=self.history.text(),
            hold_seconds=round(self.history.hold_seconds, 1),
            transferred_by=self.history.transferred_by,
            direction="in" if self.inbound else "out" if self.trunk or self.outbound else "internal",
        )

    def snapshot(self) -> dict[str, object]:
        return {
            "id": self.id,
            "caller": self.caller,
            "called": self.called,
            "state": self.state.value,
            "worker": self.worker.number,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "answered_by": self.answered_by,
            "trunk": self.trunk,
            "mode": self.mode,
            "route": self.route,
        }
