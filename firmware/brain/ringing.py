"""The ROUTING and RINGING states of a call: ring plans, their branches and their timers.

A ring plan (brain/calls.py `RingPlan`) rings one or more legs for the call's a_leg
party: all at once, one by one (linear) or one by one with earlier phones ringing on
(cascade). The first branch to answer is joined to the party and the others are
cancelled; when none can be reached, the plan's `on_fail` says where the call goes
(an extension's forwarding, a ring group's no-answer destination, or a tone).
- an extension follows its forwarding and DND; a forwarding loop ends at the first
  extension's voicemail; an extension carries one conversation at a time;
- an outbound call that a trunk cannot carry (503, timeout) tries the next trunk;
- a queue's plan rings while its app keeps the caller (`ring_while_waiting`), and may
  whisper to the agent before joining.
The switch (brain/switch.py) hands this class the call once the router has decided,
and its branch events; this class owns the plan's timers and nothing else of the call.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from firmware.apps.destinations import DestinationKind, Target
from firmware.apps.forwarding.config import get_forwarding
from firmware.apps.session import Next
from firmware.brain.calls import Branch, Call, CallState, RingPlan
from firmware.brain.routing import DialOut, Refuse
from firmware.intercom import auto_answer_headers
from firmware.media.tones import tone
from firmware.store.extensions import get_extension
from firmware.store.settings import get_setting
from firmware.trunks.lines import DIAL_HEADER, line_account

if TYPE_CHECKING:
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.switch")

# Reason phrase for busy decided by the brain. The edge fails over to another
# worker on pjsua's own "486 Busy Here" (worker full), never on this one.
USER_BUSY = "User Busy"

_BUSY_CODES = {486, 600, 603}
_UNREACHABLE_CODES = {404, 408, 410, 480, 484, 503}
# Answers that mean the trunk (not the called party) could not carry the call.
_TRUNK_FAILURE_CODES = {408, 500, 502, 503, 504}
# Forwarding hops one call may take before it is treated as a loop.
MAX_FORWARDS = 8
# Class of service of outside numbers the installer configured (routes, ring groups).
SYSTEM_PROFILE = "unrestricted"


class Ringing:
    def __init__(self, switch: Switch) -> None:
        self.switch = switch
        self._whispered: set[str] = set()  # members hearing their plan's whisper (answered, not yet joined)

    def ring_extension(self, call: Call, number: str, *, follow: bool,
                       on_fail: Callable[[str, int], None] | None = None, seconds: int | None = None) -> None:
        """Ring one extension, following its forwarding and DND unless told not to."""
        if not call.trunk and not call.visited:
            call.called = number
        if follow:
            if number in call.visited or len(call.visited) >= MAX_FORWARDS:
                first = call.visited[0] if call.visited else number
                log.warning("call %s: forwarding loop via %s; to voicemail of %s", call.id,
                            " -> ".join([*call.visited, number]), first)
                self.switch.trail(call, f"forwarding loop ({' -> '.join([*call.visited, number])})")
                self.switch.start_app(call, f"voicemail:{first}")
                return
            call.visited.append(number)
            forwarding = get_forwarding(self.switch.db, number)
            if forwarding.always:
                call.route = f"{call.route}; forwarded by {number}".lstrip("; ")
                self.switch.go(call, Next(forwarding.always))
                return
            if forwarding.dnd or number == call.party_extension or self.switch.in_conversation(number, besides=call):
                why = "do not disturb" if forwarding.dnd else "extension busy"
                if forwarding.busy:
                    call.route = f"{call.route}; {number} {why}".lstrip("; ")
                    call.divert_reason = "busy"
                    self.switch.go(call, Next(forwarding.busy))
                else:
                    self.busy(call, why, "system")
                return
            timeout = forwarding.no_answer_seconds if forwarding.no_answer else self.switch.ring_timeout()
            fail = on_fail or self._extension_fail(call, number, forwarding.busy, forwarding.no_answer,
                                                   forwarding.unregistered)
        else:
            if number == call.party_extension or self.switch.in_conversation(number, besides=call):
                (on_fail or self.default_fail(call))("busy", 486)
                return
            timeout = self.switch.ring_timeout()
            fail = on_fail or self.default_fail(call)
        self.start_plan(call, RingPlan([number], "all", 0, fail, label=f"extension {number}"), seconds or timeout)

    def dial_out(self, call: Call, decision: DialOut, on_fail: Callable[[str, int], None]) -> None:
        timeout = self.switch.ring_timeout() + 30
        self.start_plan(call, RingPlan([decision], "all", 0, on_fail, label=f"number {decision.number}"), timeout)

    def start_plan(self, call: Call, plan: RingPlan, timeout: float) -> None:
        self.drop_branches(call)
        call.cancel_timer()
        call.plan = plan
        if call.a_answered:
            self.switch.send(call, call.a_leg, "tone", segments=tone(self.switch.country(), "ringback"), loop=True)
        if call.state is CallState.APP:
            call.state = CallState.ROUTING
        loop = asyncio.get_running_loop()
        call.timers.append(loop.call_later(timeout, self._plan_timeout, call, plan))
        self._dial_next_member(call, plan, first=True)

    def ring_while_waiting(self, call: Call, plan: RingPlan, seconds: float) -> None:
        """Ring the plan's members while the caller stays in the app that has them (a queue's
        music and announcements): the first to answer is joined to the caller, the app stops."""
        self.drop_branches(call)
        plan.while_waiting = True
        call.plan = plan
        call.timers.append(asyncio.get_running_loop().call_later(seconds, self._plan_timeout, call, plan))
        self._dial_next_member(call, plan, first=True)

    def _dial_next_member(self, call: Call, plan: RingPlan, first: bool = False) -> None:
        """Dial members: all of them, or the next dialable one (linear, cascade)."""
        loop = asyncio.get_running_loop()
        dialled = False
        while plan.members and (plan.strategy == "all" or not dialled):
            dialled = self._dial_member(call, plan, plan.members.pop(0)) or dialled
        if plan.strategy in ("linear", "cascade") and plan.members and dialled:
            call.timers.append(loop.call_later(plan.step_seconds, self._plan_step, call, plan))
        if not call.branches and not plan.done:
            self._plan_failed(call, plan)

    def intercom(self, call: Call, number: str) -> None:
        """*80 + extension: whoever sits at that desk; refused while it is busy or on DND."""
        if get_forwarding(self.switch.db, number).dnd:
            self.switch.refuse(call, 486, USER_BUSY, f"intercom to {number}: do not disturb", "busy", "busy")
            return
        call.intercom = True
        self.ring_extension(call, number, follow=False)

    def _dial_member(self, call: Call, plan: RingPlan, member: str | DialOut) -> bool:
        if isinstance(member, DialOut):
            branch = Branch(member.number, member, member.trunks)
            return self._dial_trunk(call, branch, member.caller_id)
        if member == call.party_extension or self.switch.in_conversation(member, besides=call):
            plan.saw_busy = True
            return False
        shown = call.caller_name if plan.caller_display is None else plan.caller_display
        name = shown.replace('"', "'")
        caller_uri = f"sip:{call.caller}@{self.switch.realm}"
        fields: dict[str, Any] = {
            "uri": f"sip:{member}@{self.switch.edge}",
            "from_uri": f'"{name}" <{caller_uri}>' if name else f"<{caller_uri}>",
            "may_transfer": True,
        }
        if call.intercom:
            alert = str(get_setting(self.switch.db, "intercom_alert_info"))
            fields["headers"] = auto_answer_headers(self.switch.realm, alert)
        self._dial_b(call, Branch(member), fields)
        self.switch.announce(call, "call.ringing", member)
        return True

    def _dial_trunk(self, call: Call, branch: Branch, caller_id: str | None = None) -> bool:
        if not branch.spare_trunks or branch.dial_out is None:
            return False
        trunk, branch.spare_trunks = branch.spare_trunks[0], branch.spare_trunks[1:]
        call.trunk = trunk.name
        if caller_id is not None:
            call.caller_id = caller_id
        caller_id = call.caller_id or branch.dial_out.caller_id
        headers = {"X-Minipbx-Trunk": trunk.name}
        identity = f"<sip:{caller_id}@{trunk.domain}>"
        if trunk.send_pai:
            headers["P-Asserted-Identity"] = identity
        if trunk.privacy:
            headers["Privacy"] = trunk.privacy
        if trunk.kind == "fxo":
            # An analog line: call the line's account at the gateway, which seizes the line and dials.
            self._dial_b(call, branch, {"uri": f"sip:{line_account(trunk.name)}@{self.switch.edge}",
                                        "from_uri": f"<sip:{caller_id}@{self.switch.realm}>",
                                        "headers": {DIAL_HEADER: branch.target}})
        else:
            self._dial_b(call, branch, {"uri": f"sip:{branch.target}@{self.switch.edge}", "from_uri": identity,
                                        "headers": headers})
        return True

    def _dial_b(self, call: Call, branch: Branch, fields: dict[str, Any]) -> None:
        call.b_count += 1
        leg = f"b{call.id}-{call.b_count}"
        call.branches[leg] = branch
        self.switch.by_leg[leg] = call
        # New legs go on the worker of the party they are for (it may have moved by a transfer).
        worker = self.switch.leg_workers.get(call.a_leg, call.worker)
        self.switch.leg_workers[leg] = worker
        worker.send({"type": "dial", "leg": leg, **fields})

    @staticmethod
    def plan_live(call: Call, plan: RingPlan) -> bool:
        """The plan still rings for the call (a queue's plan rings while its app has the caller)."""
        ringing = (CallState.ROUTING, CallState.RINGING, CallState.APP) if plan.while_waiting else (
            CallState.ROUTING, CallState.RINGING)
        return call.plan is plan and not plan.done and call.state in ringing

    def _plan_step(self, call: Call, plan: RingPlan) -> None:
        if not self.plan_live(call, plan):
            return
        if plan.strategy == "linear":
            self.drop_branches(call)
        self._dial_next_member(call, plan)

    def _plan_timeout(self, call: Call, plan: RingPlan) -> None:
        if not self.plan_live(call, plan):
            return
        plan.members.clear()
        self.drop_branches(call)
        plan.done = True
        call.cancel_timer()
        plan.on_fail("no_answer", 0)

    def _plan_failed(self, call: Call, plan: RingPlan) -> None:
        plan.done = True
        call.cancel_timer()
        if plan.saw_busy:
            why = "busy"
        elif plan.saw_unreachable:
            why = "unreachable"
        else:
            why = "failed"
        plan.on_fail(why, plan.last_code)

    def drop_branches(self, call: Call) -> None:
        """Cancel every leg still ringing; their `ended` events are ignored."""
        for leg in list(call.branches):
            del call.branches[leg]
            self.switch.send(call, leg, "hangup")

    # ---- branch events ------------------------------------------------------------------
    def branch_ringing(self, call: Call) -> None:
        if call.state is CallState.ROUTING:
            call.state = CallState.RINGING
            if not call.callback and not call.a_answered:
                self.switch.send(call, call.a_leg, "answer", code=180)

    def branch_answered(self, call: Call, leg: str) -> None:
        plan = call.plan
        if call.state not in (CallState.ROUTING, CallState.RINGING) and not (
                plan is not None and self.plan_live(call, plan)):
            self.switch.send(call, leg, "hangup")
            return
        if plan is not None and plan.whisper and leg not in self._whispered:
            self._whisper(call, plan, leg)
            return
        self._whispered.discard(leg)
        branch = call.branches.pop(leg)
        self.drop_branches(call)
        call.cancel_timer()
        if plan is not None:
            plan.done = True
            if plan.while_waiting and call.app_task is not None:
                # The queue's app had the caller: it stops (the bridge stops its music), and
                # the call no longer waits for it to finish.
                call.app_task.cancel()
                call.app_task = None
                call.session = None
            if plan.on_answer is not None:
                plan.on_answer(branch.target)
        call.state = CallState.ANSWERED
        call.b_leg, call.b_alive = leg, True
        call.answered_at = call.answered_at or datetime.now(UTC)
        call.answered_by = branch.target
        if branch.dial_out is not None:
            call.dial_target = branch.target
        else:
            call.extensions[leg] = branch.target
        self.switch.in_call.answered(call, f"answered by {branch.target}")
        self.switch.announce(call, "call.answered", branch.target)
        if not call.callback and not call.a_answered:
            self.switch.send(call, call.a_leg, "answer", code=200)
        self.switch.join(call, call.a_leg, leg)
        if call.merge_on_answer:
            self.switch.three_way.merge(call)
        log.info("call %s: %s -> %s answered by %s", call.id, call.caller, call.called, call.answered_by)

    def _whisper(self, call: Call, plan: RingPlan, leg: str) -> None:
        """The member who answered hears the plan's whisper before the caller is joined; the others
        stop ringing, and the ring time no longer runs out."""
        for other in [other for other in call.branches if other != leg]:
            del call.branches[other]
            self.switch.send(call, other, "hangup")
        call.cancel_timer()
        self._whispered.add(leg)
        self.switch.after_play[leg] = lambda: self._whisper_done(call, plan, leg)
        self.switch.send(call, leg, "play", id=f"whisper-{leg}", files=[str(f) for f in plan.whisper])

    def _whisper_done(self, call: Call, plan: RingPlan, leg: str) -> None:
        if leg not in call.branches:
            self._whispered.discard(leg)  # the caller left meanwhile: the branch was hung up
        elif leg not in self.switch.leg_workers:
            # The member hung up during the whisper: they did not take the call.
            self._whispered.discard(leg)
            del call.branches[leg]
            self.switch.by_leg.pop(leg, None)
            if self.plan_live(call, plan):
                self._plan_failed(call, plan)
        else:
            self.branch_answered(call, leg)

    def branch_ended(self, call: Call, leg: str, code: int) -> None:
        branch = call.branches.pop(leg)
        plan = call.plan
        if plan is None or plan.done or not call.a_alive:
            self.switch.maybe_finish(call)
            return
        if branch.dial_out is not None and code in _TRUNK_FAILURE_CODES:
            log.warning("call %s: trunk %s failed (%d)", call.id, call.trunk, code)
            if self._dial_trunk(call, branch):
                return
            plan.saw_unreachable = True
        elif code in _BUSY_CODES:
            plan.saw_busy = True
        elif code in _UNREACHABLE_CODES or code >= 500:
            plan.saw_unreachable = True
        plan.last_code = code
        if call.branches:
            return
        if plan.members:
            self._dial_next_member(call, plan)
        else:
            self._plan_failed(call, plan)

    # ---- when ringing fails ---------------------------------------------------------------
    def default_fail(self, call: Call) -> Callable[[str, int], None]:
        def fail(why: str, code: int) -> None:
            if call.recall_to:
                self.switch.in_call.recall(call, why.replace("_", " "))
                return
            if why == "busy":
                if code:
                    self.busy(call, f"callee busy ({code})", "callee")
                else:
                    self.busy(call, "extension busy", "system")
            elif why == "no_answer":
                self.no_answer(call)
            elif why == "unreachable" or code >= 500 or code in _UNREACHABLE_CODES:
                if call.dial_target and code in _TRUNK_FAILURE_CODES:
                    self.switch.refuse(call, 503, "Service Unavailable", f"every line failed (last {code})",
                                       "failed", "congestion")
                else:
                    what = "number not reachable" if call.dial_target else "extension not reachable"
                    self.switch.refuse(call, 480, "Temporarily Unavailable", f"{what} ({code})")
            elif code:
                self.switch.reject(call, code if 400 <= code < 700 else 480, "Unavailable", "failed",
                                   f"callee refused ({code})", "callee")
            else:
                self.switch.refuse(call, 480, "Temporarily Unavailable", "nobody to ring")
        return fail

    def _extension_fail(self, call: Call, number: str, busy: str, no_answer: str,
                        unregistered: str) -> Callable[[str, int], None]:
        default = self.default_fail(call)

        def fail(why: str, code: int) -> None:
            target = {"busy": busy, "no_answer": no_answer, "unreachable": unregistered}.get(why, "")
            if why == "failed" and code in _UNREACHABLE_CODES:
                target = unregistered
            if target:
                call.route = f"{call.route}; {number} {why.replace('_', ' ')}".lstrip("; ")
                call.divert_reason = why
                self.switch.go(call, Next(target))
            else:
                default(why, code)
        return fail

    def no_answer(self, call: Call) -> None:
        timeout = self.switch.ring_timeout()
        call.decide("no_answer", f"no answer within {timeout} s", "system")
        self.switch.release(call, 480, "No Answer")

    def busy(self, call: Call, cause: str, by: str) -> None:
        self.switch.reject(call, 486, USER_BUSY, "busy", cause, by)


# ---- the destinations the switch rings itself (apps/destinations.py) -----------------------
def _serve_extension(switch: Switch, call: Call, target: str, nxt: Next) -> None:
    if get_extension(switch.db, target) is None:
        switch.refuse(call, 480, "Temporarily Unavailable", f"destination extension {target} does not exist")
        return
    switch.ringing.ring_extension(call, target, follow=nxt.follow_forwarding)


def _serve_number(switch: Switch, call: Call, target: str, nxt: Next) -> None:
    # Forwarded: the forwarding extension's rights; else the app's, or the installer's.
    caller = call.visited[-1] if call.visited else call.caller
    profile = nxt.profile or (None if get_extension(switch.db, caller) else SYSTEM_PROFILE)
    decision = switch.router.dial_number(target, caller=caller, profile=profile,
                                         busy_trunks=switch.trunk_usage(), mode=call.mode or None)
    if isinstance(decision, DialOut):
        call.dial_target = decision.number
        switch.ringing.dial_out(call, decision, switch.ringing.default_fail(call))
    elif isinstance(decision, Refuse):
        switch.refuse(call, decision.code, decision.reason, decision.cause, decision.disposition, decision.tone)
    else:
        switch.refuse(call, 480, "Temporarily Unavailable", f"cannot dial {target}")


def _serve_hangup(switch: Switch, call: Call, target: str, nxt: Next) -> None:
    switch.refuse(call, 480, "Temporarily Unavailable", f"destination hangup ({call.route})")


DESTINATION_KINDS = (
    DestinationKind("ext", Target.DIGITS, "ext:NUMBER", exists="SELECT 1 FROM extensions WHERE number = ?",
                    choices="SELECT number, name FROM extensions ORDER BY number",
                    missing="extension {} does not exist; see `ext list`", serve=_serve_extension),
    DestinationKind("number", Target.DIGITS, "number:DIGITS", serve=_serve_number),
    DestinationKind("hangup", Target.NONE, "hangup", serve=_serve_hangup),
)
