"""A call's life after the answer: keys through the call, hold, transfer, pickup, park.

The switch rings; once two parties talk, their events (`dtmf`, `held`, `resumed`,
`refer`) come here. Every action goes through the switch's narrow surface: `send`
(a command to a leg, on whichever worker holds it), `join` (two party legs hear each
other, on one worker or through a link), `execute` (route the a_leg party anew, as
a transfer does). The feature rules live in firmware/calls/ (keys, music, transfer,
pickup, park, history); this module applies them to the switch's calls.

    talking --party holds--> held (the other hears music) --resumes--> talking
    talking --REFER, or ## + number--> the transferrer leaves; the other party is routed
            to the number with the transferrer's rights --> ringing (recall after
            transfer_recall_seconds: the transferrer rings again)
    talking --REFER with Replaces--> the held party joins the consultation's far end
    talking --*2 + number, or flash + number (analog)--> consulting: the other party hears
            music, the consulted number rings; hang up = transfer (attended), flash =
            toggle between the two, the consulted party refuses or hangs up = back
    talking --transfer to the park number--> parked (music) --slot dialled--> talking
    talking --transfer to a paging group's page-and-park number--> parked, the slot paged
            (calls/page_park.py) --*86 or the slot dialled--> talking
    ringing (anywhere) --*8 / **EXT from a phone--> talking with the picker
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from firmware.brain.calls import Call, CallState, Transferred
from firmware.brain.routing import CallFacts, Decision, Feature, Park, Pickup, Refuse, Reject
from firmware.calls.keys import BLIND_TRANSFER, FLASH, IN_CALL_CODES, RECORD, THREE_WAY, InCallKeys, NumberEntry
from firmware.calls.music import DEFAULT_CLASS, music_files
from firmware.calls.park import Parked, park_slots
from firmware.calls.pickup import NO_GROUP, pickup_group
from firmware.calls.transfer import TransferError, parse_refer_to
from firmware.dialplan.plan import load_plan
from firmware.gateway.digitmap import Verdict, check
from firmware.media.tones import tone
from firmware.prompts.library import PromptError
from firmware.store.extensions import get_extension
from firmware.store.settings import get_setting
from firmware.worker.protocol import Message

if TYPE_CHECKING:
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.in_call")

# A transfer or park that cannot be done: the party hears this long a tone, then talks on.
REFUSAL_SECONDS = 2.5


@dataclass(frozen=True)
class TransferRefused:
    """Why a number is no place to send a transferred party; `kind` as the control socket says it."""
    why: str
    kind: str  # 'busy' (no line free), 'barred', 'invalid' (a feature code, a parked call's slot)


class InCallControl:
    def __init__(self, switch: Switch) -> None:
        self.switch = switch
        self.db = switch.db

    # ---- the conversation starts -------------------------------------------------------
    def answered(self, call: Call, step: str) -> None:
        call.history.add(step)
        self._arm_keys(call)

    def _arm_keys(self, call: Call) -> None:
        for leg in (call.a_leg, call.b_leg):
            if leg is None or leg in call.keys:
                continue
            codes: tuple[str, ...] = IN_CALL_CODES if leg in call.extensions else ()
            # Talking to a door station, whoever it is (an outside number too) may open its lock.
            door_code = self.switch.doors.code_for(call, leg)
            if door_code:
                codes = (*codes, door_code)
            call.keys[leg] = InCallKeys(relay=self._relay_for(call, leg), code=self._code_for(call, leg),
                                        codes=codes)

    def _relay_for(self, call: Call, leg: str) -> Callable[[str], None]:
        return lambda digit: self._relay(call, leg, digit)

    def _code_for(self, call: Call, leg: str) -> Callable[[str], None]:
        return lambda code: self._code(call, leg, code)

    # ---- events from a party ---------------------------------------------------------
    def event(self, call: Call, leg: str, kind: str, message: Message) -> None:
        if kind == "dtmf":
            digit = str(message["digit"])
            if call.entry is not None and call.entry[0] == leg:
                if digit == FLASH:
                    # Flash again before dialling: back to the waiting party.
                    call.entry[1].stop()
                    call.entry = None
                    self.switch.send(call, leg, "stop_tone")
                    self._talk_again(call)
                    return
                call.entry[1].press(digit)
            elif leg in call.keys:
                call.keys[leg].press(digit)
        elif kind == "held":
            self._held(call, leg)
        elif kind == "resumed":
            self._resumed(call, leg)
        elif kind == "refer":
            self._refer(call, leg, str(message["target"]))

    def _relay(self, call: Call, leg: str, digit: str) -> None:
        peer = call.other(leg)
        if peer is not None and call.state is CallState.ANSWERED:
            self.switch.send(call, peer, "dtmf", digits=digit)

    # ---- hold --------------------------------------------------------------------------
    def _held(self, call: Call, leg: str) -> None:
        peer = call.other(leg)
        if peer is None:
            return
        self.switch.links.split(leg)
        self._music(call, peer)
        call.held_legs.add(leg)
        call.history.hold_started()
        call.history.add(f"{self._who(call, leg)} put {self._who(call, peer)} on hold")

    def _resumed(self, call: Call, leg: str) -> None:
        peer = call.other(leg)
        if peer is None or call.entry is not None:
            return
        call.held_legs.discard(leg)
        call.history.hold_ended()
        call.history.add(f"{self._who(call, leg)} resumed")
        self.switch.join(call, call.a_leg, peer if leg == call.a_leg else leg)

    def _music(self, call: Call, leg: str) -> None:
        music_class = (call.consult_of or call).music_class or DEFAULT_CLASS
        self.switch.send(call, leg, "music", files=music_files(self.db, self.switch.data_dir, music_class))

    # ---- in-call codes -----------------------------------------------------------------
    def _code(self, call: Call, leg: str, code: str) -> None:
        if code not in IN_CALL_CODES and code == self.switch.doors.code_for(call, leg):
            self.switch.doors.open_in_call(call, leg)
            return
        peer = call.other(leg)
        if peer is None or call.entry is not None or call.consult is not None:
            return
        if code == RECORD:
            self.switch.recorder.toggle(call, leg)
            return
        # The other party waits with music while the number is keyed in; the transferrer
        # hears dial tone.
        self.switch.links.split(leg)
        self._music(call, peer)
        self.switch.send(call, leg, "tone", segments=tone(self.switch.country(), "dial"), loop=True)

        def done(number: str) -> None:
            call.entry = None
            self.switch.send(call, leg, "stop_tone")
            if code == BLIND_TRANSFER:
                self.blind_transfer(call, leg, number)
            else:
                self.consult(call, leg, number, merge=code == THREE_WAY)

        def cancelled() -> None:
            call.entry = None
            self.switch.send(call, leg, "stop_tone")
            self._talk_again(call)

        plan = load_plan(self.db)
        call.entry = (leg, NumberEntry(done, cancelled,
                                       complete=lambda digits: check(plan, digits) is Verdict.COMPLETE))

    def hung_up_while_keying(self, call: Call, leg: str) -> bool:
        """The party hung up while keying in a transfer number: the waiting party is not dropped
        but rings them again (as an office phone system does after flash and hang-up)."""
        if call.entry is None or call.entry[0] != leg or call.state is not CallState.ANSWERED:
            return False
        by = call.extensions.get(leg, "")
        stay = call.other(leg)
        if not by or stay is None:
            return False
        log.info("call %s: %s hung up while keying a number; ringing %s again", call.id, by, by)
        call.history.add(f"{by} hung up while keying a transfer; ringing {by} again")
        self._leave(call, leg, stay)
        self.switch.ringing.ring_extension(call, by, follow=False)
        return True

    def _talk_again(self, call: Call) -> None:
        if call.state is CallState.ANSWERED and call.b_leg is not None and call.b_alive and call.a_alive:
            self.switch.join(call, call.a_leg, call.b_leg)

    def _refuse_transfer(self, call: Call, leg: str, why: str) -> None:
        """The transferrer hears the information tone and keeps the call."""
        log.info("call %s: transfer refused: %s", call.id, why)
        call.history.add(f"transfer refused: {why}")
        self.switch.links.split(leg)
        peer = call.other(leg)
        if peer is not None:
            self._music(call, peer)
        self.switch.send(call, leg, "tone", segments=tone(self.switch.country(), "unavailable"), loop=True)
        call.timers.append(asyncio.get_running_loop().call_later(REFUSAL_SECONDS, self._talk_again, call))

    # ---- transfer ----------------------------------------------------------------------
    def _refer(self, call: Call, leg: str, target: str) -> None:
        if leg not in call.extensions:
            # An outside party (trunk, exchange line) may not move our calls around; the
            # worker has declined the REFER.
            log.warning("call %s: REFER from outside party %s refused", call.id, self._who(call, leg))
            call.history.add(f"transfer request from {self._who(call, leg)} refused (outside party)")
            return
        try:
            parsed = parse_refer_to(target, self._our_hosts())
        except TransferError as exc:
            self._refuse_transfer(call, leg, str(exc))
            return
        if parsed.replaces:
            self.attended_transfer(call, leg, parsed.replaces, parsed.number)
        else:
            self.blind_transfer(call, leg, parsed.number)

    def _our_hosts(self) -> set[str]:
        host = self.switch.edge.split(":")[0]
        return {host, self.switch.edge, self.switch.realm, "localhost", "127.0.0.1"}

    def blind_transfer(self, call: Call, by_leg: str, number: str) -> None:
        """The transferrer leaves; the other party is routed to `number` with the transferrer's rights."""
        by = call.extensions.get(by_leg, "")
        stay = call.other(by_leg)
        if not by or stay is None:
            return
        decision = self._where_to(call, by_leg, stay, by, number)
        if decision is None:
            return
        log.info("call %s: %s transfers %s to %s", call.id, by, self._who(call, stay), number)
        call.history.add(f"{by} transferred {self._who(call, stay)} to {number}")
        call.history.transferred_by = call.history.transferred_by or by
        self._leave(call, by_leg, stay)
        call.route = f"{call.route}; transfer by {by} to {number}".lstrip("; ")
        call.recall_to = by
        seconds = int(str(get_setting(self.db, "transfer_recall_seconds")))
        call.recall_timer = asyncio.get_running_loop().call_later(seconds, self.recall, call,
                                                                  f"no answer within {seconds} s")
        called = call.called  # the record keeps the number first dialled
        self.switch.execute(call, decision)
        call.called = called
        self.switch.announce(call, "call.transferred", number, Transferred(by, attended=False))

    def transfer_decision(self, by: str, number: str) -> Decision | TransferRefused:
        """Where `number`, dialled by `by`, sends a transferred party (with `by`'s rights): the
        decision (the park number's included), or why it cannot go there."""
        decision = self.switch.router.decide(CallFacts(caller=by, dialled=number, auth_user=by),
                                             self.switch.trunk_usage())
        if isinstance(decision, Park) and not decision.slot:
            refusal = self.switch.page_parks.refusal(by, decision.page) if decision.page else ""
            return TransferRefused(refusal, "barred") if refusal else decision
        if isinstance(decision, Refuse | Reject):
            return TransferRefused(decision.cause, "busy" if decision.disposition == "busy" else "barred")
        if isinstance(decision, Feature | Park | Pickup):
            return TransferRefused("not a number a call can be sent to", "invalid")
        return decision

    def _where_to(self, call: Call, by_leg: str, other: str, by: str, number: str) -> Decision | None:
        """Where `number`, dialled by `by`, sends the other party; None when it was dealt with
        here: the park number parks the other party, anything else that is not a place a call
        can go is refused with a tone while the call goes on."""
        decision = self.transfer_decision(by, number)
        if isinstance(decision, TransferRefused):
            self._refuse_transfer(call, by_leg, f"{by} to {number}: {decision.why}")
            return None
        if isinstance(decision, Park):
            self.park(call, other, by_leg, by, page=decision.page)
            return None
        return decision

    def _leave(self, call: Call, by_leg: str, stay: str) -> None:
        """`by_leg` leaves the call; `stay` becomes its a_leg party, answered, waiting to be routed."""
        self.switch.links.split(stay)
        self._forget_leg(call, by_leg)
        self.switch.send(call, by_leg, "hangup")
        self._make_a_leg(call, stay)
        call.b_leg, call.b_alive = None, False
        call.state = CallState.ROUTING
        call.plan = None
        call.visited = []
        call.divert_reason = ""

    def _make_a_leg(self, call: Call, leg: str) -> None:
        if leg != call.a_leg:
            number = call.extensions.get(leg, "")
            call.a_leg = leg
            call.caller = number or call.answered_by or call.caller
            if number:
                extension = get_extension(self.db, number)
                call.caller_name = extension.name if extension else ""
            call.callback = False
        call.a_alive = True
        call.a_answered = True
        call.worker = self.switch.leg_workers.get(leg, call.worker)

    def _forget_leg(self, call: Call, leg: str) -> None:
        self.switch.by_leg.pop(leg, None)
        call.extensions.pop(leg, None)
        call.held_legs.discard(leg)
        self._drop_keys(call, leg)

    @staticmethod
    def _drop_keys(call: Call, leg: str) -> None:
        """The leg's held digits and a number it was keying in are let go."""
        keys = call.keys.pop(leg, None)
        if keys is not None:
            keys.cancel()
        if call.entry is not None and call.entry[0] == leg:
            call.entry[1].stop()
            call.entry = None

    def recall(self, call: Call, why: str) -> None:
        """A blind transfer went unanswered (or failed): ring the transferrer again, once."""
        transferrer = call.recall_to
        if call.recall_timer is not None:
            call.recall_timer.cancel()
            call.recall_timer = None
        if not transferrer or call.state not in (CallState.ROUTING, CallState.RINGING) or not call.a_alive:
            return
        call.recall_to = ""
        call.history.add(f"transfer recall to {transferrer} ({why})")
        log.info("call %s: transfer %s; recalling %s", call.id, why, transferrer)
        self.switch.ringing.drop_branches(call)
        if call.plan is not None:
            call.plan.done = True
        call.cancel_timer()
        self.switch.ringing.ring_extension(call, transferrer, follow=False)

    def attended_transfer(self, call: Call, by_leg: str, replaces: str, number: str) -> None:
        """REFER with Replaces: the transferrer's other party joins the party of its consultation call."""
        by = call.extensions.get(by_leg, "")
        stay = call.other(by_leg)
        if stay is None:
            return
        # The consultation is named by the SIP Call-ID of the transferrer's leg in it.
        found = next(((c, leg) for c in self.switch.calls.values() if c is not call
                      for leg, cid in c.leg_call_ids.items() if cid == replaces), None)
        if found is None:
            # Not a call of ours: treat it as a blind transfer to the number.
            self.blind_transfer(call, by_leg, number)
            return
        consultation, by_leg2 = found
        far = consultation.other(by_leg2)
        if consultation.state is not CallState.ANSWERED or far is None:
            # The consulted party has not answered yet: the held party rings it instead.
            self.switch.ringing.drop_branches(consultation)
            consultation.decide("cancelled", f"consultation handed over by {by}", "caller")
            self.switch.send(consultation, consultation.a_leg, "hangup")
            self.blind_transfer(call, by_leg, consultation.called or number)
            return
        log.info("call %s: %s joins %s with %s (attended transfer)", call.id, by, self._who(call, stay),
                 self._who(consultation, far))
        # The consultation call's record ends here; its far party moves into this call.
        consultation.history.add(f"{by} joined {self._who(consultation, far)} to {self._who(call, stay)}")
        consultation.decide("answered", f"attended transfer by {by}", "caller")
        far_extension = consultation.extensions.get(far, "")
        far_party = self._who(consultation, far)
        self.switch.links.split(far)
        self._forget_leg(consultation, by_leg2)
        self._forget_leg(consultation, far)
        self.switch.send(consultation, by_leg2, "hangup")
        consultation.a_alive = consultation.b_alive = False
        consultation.branches.clear()
        self.switch.maybe_finish(consultation)
        self.switch.send(call, by_leg, "hangup")
        self._hand_over(call, by_leg, stay, far, far_extension, far_party, by)

    def _hand_over(self, call: Call, leaving: str, stay: str, far: str, far_extension: str, far_party: str,
                   by: str) -> None:
        """Attended transfer, the last step: `leaving` (the transferrer's leg in this call) is gone,
        and `stay` now talks to `far`, the party the transferrer consulted."""
        self.switch.links.split(stay)
        self._forget_leg(call, leaving)
        self._make_a_leg(call, stay)
        self.switch.by_leg[far] = call
        if far_extension:
            call.extensions[far] = far_extension
        call.b_leg, call.b_alive = far, True
        call.answered_by = far_party
        call.history.hold_ended()
        call.history.add(f"{by} transferred {self._who(call, stay)} to {far_party} (attended)")
        call.history.transferred_by = call.history.transferred_by or by
        call.state = CallState.ANSWERED
        self._arm_keys(call)
        self.switch.join(call, stay, far)
        self.switch.announce(call, "call.transferred", far_party, Transferred(by, attended=True))

    # ---- consultation (attended transfer from the keypad or an analog phone) -----------------
    def consult(self, held: Call, leg: str, number: str, *, merge: bool = False) -> None:
        """The consulting party's leg is lent to a new call to `number`; the other party waits.
        `merge` (*3): once `number` answers, all three are joined."""
        by = held.extensions.get(leg, "")
        waiting = held.other(leg)
        if not by or waiting is None:
            return
        decision = self._where_to(held, leg, waiting, by, number)
        if decision is None:
            return
        extension = get_extension(self.db, by)
        consultation = Call(id=uuid.uuid4().hex[:12], worker=self.switch.leg_workers.get(leg, held.worker),
                            a_leg=leg, caller=by, caller_name=extension.name if extension else "", called=number,
                            sip_call_id=f"{held.sip_call_id}-consult-{uuid.uuid4().hex[:6]}", first_caller=by,
                            auth_user=by, mode=held.mode, a_answered=True, route=f"consultation by {by}")
        consultation.extensions[leg] = by
        consultation.consult_of = held
        consultation.merge_on_answer = merge
        held.consult = consultation
        self._drop_keys(held, leg)
        self.switch.calls[consultation.id] = consultation
        self.switch.by_leg[leg] = consultation
        held.history.add(f"{by} put {self._who(held, waiting)} on hold to consult {number}")
        log.info("call %s: %s consults %s (call %s)", held.id, by, number, consultation.id)
        self.switch.execute(consultation, decision)

    def consult_flash(self, consultation: Call) -> None:
        """A flash while consulting: give the consultation up if it still rings, else switch
        between the consulted party and the held one."""
        held = consultation.consult_of
        if held is None:
            return
        leg = consultation.a_leg
        waiting = held.other(leg)
        if consultation.state is not CallState.ANSWERED or consultation.b_leg is None:
            self.switch.ringing.drop_branches(consultation)
            if consultation.plan is not None:
                consultation.plan.done = True
            consultation.decide("cancelled", "consultation given up", "caller")
            self._back_to_held(consultation)
            return
        self.switch.links.split(leg)
        consultation.flashed_at = asyncio.get_running_loop().time()
        if not consultation.toggled and waiting is not None:
            self._music(consultation, consultation.b_leg)
            self.switch.join(held, leg, waiting)
        else:
            if waiting is not None:
                self._music(held, waiting)
            self.switch.join(consultation, leg, consultation.b_leg)
        consultation.toggled = not consultation.toggled

    def consult_hung_up(self, consultation: Call) -> None:
        """The consulting party hung up: the held party is transferred to the consulted one."""
        held = consultation.consult_of
        leg = consultation.a_leg
        self.switch.links.forget(leg)
        if held is None:
            return
        held.consult = None
        consultation.consult_of = None
        stay = held.other(leg)
        by = consultation.extensions.get(leg, "")
        consultation.a_alive = False
        self.switch.by_leg.pop(leg, None)
        if stay is None or not (held.a_alive and held.b_alive):
            self.switch._caller_gone(consultation)
            return
        far = consultation.b_leg
        if consultation.state is CallState.ANSWERED and far is not None and consultation.b_alive:
            consultation.decide("answered", f"attended transfer by {by}", "caller")
            consultation.history.add(f"{by} hung up: transferred {consultation.answered_by} to "
                                     f"{self._who(held, stay)}")
            far_extension, far_party = consultation.extensions.get(far, ""), self._who(consultation, far)
            self.switch.links.split(far)
            self._forget_leg(consultation, far)
            consultation.b_alive = False
            self.switch.maybe_finish(consultation)
            self._hand_over(held, leg, stay, far, far_extension, far_party, by)
            return
        # Still ringing (or failed): the held party takes the number over, as a blind transfer.
        if consultation.session is not None:
            consultation.session.hung_up()
        self.switch.ringing.drop_branches(consultation)
        if consultation.plan is not None:
            consultation.plan.done = True
        consultation.cancel_timer()
        consultation.decide("cancelled", f"handed over to {self._who(held, stay)} before the answer", "caller")
        self.switch.maybe_finish(consultation)
        self.blind_transfer(held, leg, consultation.called)

    def consult_ended(self, consultation: Call, why: str) -> None:
        """The consulted party refused, did not answer, or hung up: back to the held party."""
        held = consultation.consult_of
        if held is None:
            return
        log.info("call %s: consultation %s; back to the held party", consultation.id, why)
        held.history.add(f"consultation {why}")
        self.switch.ringing.drop_branches(consultation)
        if consultation.plan is not None:
            consultation.plan.done = True
        consultation.decide("unavailable" if consultation.answered_at is None else "answered",
                            f"consultation {why}", "callee")
        self._back_to_held(consultation)

    def _back_to_held(self, consultation: Call) -> None:
        held = consultation.consult_of
        leg = consultation.a_leg
        assert held is not None
        held.consult = None
        consultation.consult_of = None
        consultation.cancel_timer()
        self.switch.links.split(leg)
        if consultation.b_leg is not None and consultation.b_alive:
            self.switch.send(consultation, consultation.b_leg, "hangup")
        self.switch.send(consultation, leg, "stop_tone")
        consultation.extensions.pop(leg, None)
        consultation.a_alive = False
        self.switch.by_leg[leg] = held
        self.switch.maybe_finish(consultation)
        held.history.hold_ended()
        self._arm_keys(held)
        self._talk_again(held)

    def held_party_gone(self, held: Call) -> None:
        """The waiting party hung up during a consultation: the consultation goes on by itself."""
        consultation = held.consult
        if consultation is None:
            return
        held.consult = None
        consultation.consult_of = None
        leg = consultation.a_leg
        held.extensions.pop(leg, None)
        self.switch.by_leg[leg] = consultation
        if consultation.toggled and consultation.b_leg is not None and consultation.b_alive:
            consultation.toggled = False
            self.switch.join(consultation, leg, consultation.b_leg)

    # ---- pickup ------------------------------------------------------------------------
    def pickup(self, picker_call: Call, extension: str) -> None:
        """*8 (extension '') or **EXT from the picker's new call: take a ringing call."""
        picker = picker_call.extensions.get(picker_call.a_leg, "")
        group = pickup_group(self.db, picker) if picker else NO_GROUP
        found = self._ringing_call(picker, group, extension)
        if found is None:
            what = f"nothing ringing at {extension}" if extension else f"nothing ringing in pickup group {group}"
            if group == NO_GROUP:
                what = f"{picker or 'caller'} is excluded from call pickup"
            elif extension and pickup_group(self.db, extension) == NO_GROUP:
                what = f"{extension} is excluded from call pickup"
            self.switch.refuse(picker_call, 404, "Not Found", what)
            return
        ringing, at = found
        leg = picker_call.a_leg
        log.info("call %s: picked up by %s (ringing at %s)", ringing.id, picker, at)
        self._absorb(picker_call, ringing)
        self.switch.ringing.drop_branches(ringing)
        if ringing.plan is not None:
            ringing.plan.done = True
        ringing.cancel_timer()
        self.switch.send(ringing, leg, "answer", code=200)
        ringing.state = CallState.ANSWERED
        ringing.b_leg, ringing.b_alive = leg, True
        ringing.answered_at = ringing.answered_at or datetime.now(UTC)
        ringing.answered_by = picker
        ringing.extensions[leg] = picker
        self.answered(ringing, f"picked up by {picker} (ringing at {at})")
        self.switch.announce(ringing, "call.answered", picker)
        if not ringing.callback and not ringing.a_answered:
            self.switch.send(ringing, ringing.a_leg, "answer", code=200)
        self.switch.join(ringing, ringing.a_leg, leg)

    def _ringing_call(self, picker: str, group: str, extension: str) -> tuple[Call, str] | None:
        if group == NO_GROUP:
            return None
        candidates: list[tuple[datetime, Call, str]] = []
        for call in self.switch.calls.values():
            if call.state not in (CallState.ROUTING, CallState.RINGING) or call.callback:
                continue
            for branch in call.branches.values():
                target = branch.target
                if branch.dial_out is not None or target == picker:
                    continue
                if extension:
                    if target == extension and pickup_group(self.db, target) != NO_GROUP:
                        candidates.append((call.started_at, call, target))
                elif pickup_group(self.db, target) == group or (
                        call.plan is not None and call.plan.pickup_group == group):
                    candidates.append((call.started_at, call, target))
        if not candidates:
            return None
        _, call, target = min(candidates, key=lambda c: c[0])
        return call, target

    def _absorb(self, new_call: Call, into: Call) -> None:
        """The new call's caller leg (a picker, a retriever) becomes a party of `into`; the new
        call itself leaves no record of its own (`into`'s record tells what happened)."""
        leg = new_call.a_leg
        new_call.cancel_timer()
        self.switch.calls.pop(new_call.id, None)
        self.switch.by_leg[leg] = into
        new_call.state = CallState.ENDED

    # ---- park --------------------------------------------------------------------------
    def park(self, call: Call, parked_leg: str, parker_leg: str, parker: str, page: str = "") -> None:
        """The other party waits in a free slot; `page`: the paging group that is told the slot
        (page and park, calls/page_park.py), whose members may take it with *86 for
        page_answer_seconds before it rings the parker again."""
        slot = self.switch.park_lot.free_slot(park_slots(self.db))
        if slot is None:
            self._refuse_transfer(call, parker_leg, "every parking slot is taken")
            return
        log.info("call %s: %s parks %s at %s", call.id, parker, self._who(call, parked_leg), slot)
        call.history.add(f"{parker} parked {self._who(call, parked_leg)} at {slot}")
        self.switch.links.split(parked_leg)
        self._forget_leg(call, parker_leg)
        self._make_a_leg(call, parked_leg)
        call.b_leg, call.b_alive = None, False
        call.state = CallState.PARKED
        self._music(call, parked_leg)
        loop = asyncio.get_running_loop()
        timeout = int(str(get_setting(self.db, "page_answer_seconds" if page else "park_timeout")))
        parked = Parked(slot, call.id, parked_leg, parker, loop.call_later(timeout, self._park_timeout, call, slot),
                        paged=page, paged_at=loop.time() if page else 0.0)
        self.switch.park_lot.put(parked)
        self._announce_slot(call, parker_leg, slot)
        if page:
            self.switch.page_parks.page(call, parked)

    def _announce_slot(self, call: Call, leg: str, slot: str) -> None:
        """The parker hears "parked at 7 0 1", then the PBX hangs up."""
        language = str(get_setting(self.db, "language"))
        try:
            files = [str(self.switch.prompts.system("parked-at", language))]
            files += [str(self.switch.prompts.system(f"digit-{d}", language)) for d in slot]
        except PromptError as exc:
            log.error("call %s: cannot announce parking slot %s: %s", call.id, slot, exc)
            self.switch.send(call, leg, "hangup")
            return
        self.switch.after_play[leg] = lambda: self.switch.send(call, leg, "hangup")
        self.switch.send(call, leg, "play", id=f"park-{slot}", files=files)

    def retrieve(self, retriever_call: Call, slot: str, *, answering_page: bool = False) -> None:
        """The slot dialled (or *86, `answering_page`): the call parked there joins the dialler."""
        parked = self.switch.park_lot.take(slot)
        call = self.switch.calls.get(parked.call_id) if parked is not None else None
        if parked is None or call is None or call.state is not CallState.PARKED:
            self.switch.refuse(retriever_call, 404, "Not Found", f"no call parked at {slot}")
            return
        retriever = retriever_call.extensions.get(retriever_call.a_leg, "") or retriever_call.caller
        leg = retriever_call.a_leg
        log.info("call %s: %s takes the call parked at %s", call.id, retriever, slot)
        self._absorb(retriever_call, call)
        self.switch.send(call, leg, "answer", code=200)
        call.b_leg, call.b_alive = leg, True
        call.answered_by = retriever
        if leg in retriever_call.extensions:
            call.extensions[leg] = retriever
        call.state = CallState.ANSWERED
        self.switch.page_parks.end(call)
        how = "answered the page (*86): took" if answering_page else "took"
        self.answered(call, f"{retriever} {how} the call parked at {slot}")
        self.switch.join(call, call.a_leg, leg)

    def _park_timeout(self, call: Call, slot: str) -> None:
        parked = self.switch.park_lot.take(slot)
        if parked is None or call.state is not CallState.PARKED or not call.a_alive:
            return
        self.switch.page_parks.end(call)
        waited = " and paged" if parked.paged else ""
        call.history.add(f"parked{waited} at {slot} for too long; ringing {parked.parker}")
        call.state = CallState.ROUTING
        operator = str(get_setting(self.db, "operator_extension"))

        def to_operator(why: str, code: int) -> None:
            if operator and operator != parked.parker:
                call.history.add(f"{parked.parker} {why.replace('_', ' ')}; ringing the operator {operator}")
                self.switch.ringing.ring_extension(call, operator, follow=False)
            else:
                self.switch.ringing.default_fail(call)(why, code)

        self.switch.ringing.ring_extension(call, parked.parker, follow=False, on_fail=to_operator)

    # ---- endings -----------------------------------------------------------------------
    def party_gone(self, call: Call, leg: str) -> None:
        self.switch.links.forget(leg)
        self._drop_keys(call, leg)

    def finished(self, call: Call) -> None:
        """The call is over: its timers, held keys and parking slot go with it."""
        if call.recall_timer is not None:
            call.recall_timer.cancel()
            call.recall_timer = None
        for leg in list(call.keys):
            self._drop_keys(call, leg)
        if call.entry is not None:
            call.entry[1].stop()
            call.entry = None
        self.switch.page_parks.end(call)
        for slot, parked in list(self.switch.park_lot.parked.items()):
            if parked.call_id == call.id:
                self.switch.park_lot.take(slot)
                call.history.add(f"ended while parked at {slot}")

    @staticmethod
    def _who(call: Call, leg: str | None) -> str:
        if leg is None:
            return "nobody"
        if leg in call.extensions:
            return call.extensions[leg]
        return call.caller if leg == call.a_leg else (call.answered_by or "the other party")
