"""Three-way calls made from a conversation: the party who consulted someone joins all three.

    talking with W --*3 + number--> W waits with music, the number rings --answered--> all three
    talking with W --flash + number (analog)--> consulting X --flash, then 3--> all three

The three legs (W, the builder K, X) belong to two calls: the held call (W and K) and the
consultation (K and X). On a merge both calls leave ANSWERED for CONFERENCE, and their three
legs join an ad-hoc room of the conference desk (mixed on one worker, linked in from others,
as a meet-me room is). When the builder hangs up, the other two stay together (setting
`three_way_end`: `stay`, or `end`: everyone is hung up); when only one party is left, it is
hung up. Each call's record is written when both of its legs have ended.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware.brain.calls import Call, CallState
from firmware.conference.desk import Member
from firmware.store.settings import get_setting

if TYPE_CHECKING:
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.conference")


@dataclass
class ThreeWay:
    room: str
    builder: str  # the leg of whoever joined the three
    calls: tuple[Call, Call]  # the held call and the consultation
    members: dict[str, Member]  # leg -> its place in the room


class ThreeWayCalls:
    def __init__(self, switch: Switch) -> None:
        self.switch = switch
        self.by_leg: dict[str, ThreeWay] = {}

    def merge(self, consultation: Call) -> bool:
        """Join the consultation's parties and the held party; False when that cannot be (yet)."""
        held = consultation.consult_of
        builder = consultation.a_leg
        far = consultation.b_leg
        waiting = held.other(builder) if held is not None else None
        if held is None or far is None or waiting is None or consultation.state is not CallState.ANSWERED \
                or not (held.a_alive and held.b_alive and consultation.b_alive):
            return False
        by = consultation.extensions.get(builder, "")
        desk = self.switch.conferences
        room = f"3way-{held.id}"
        for leg in (waiting, builder, far):
            self.switch.links.split(leg)
            self.switch.send(held if leg == waiting else consultation, leg, "stop_music")
        held.consult = None
        consultation.consult_of = None
        for call in (held, consultation):
            call.state = CallState.CONFERENCE
            call.cancel_timer()
            for leg in list(call.keys):
                self.switch.in_call._drop_keys(call, leg)
        who = {waiting: self._who(held, waiting), builder: by, far: self._who(consultation, far)}
        three = ThreeWay(room, builder, (held, consultation), {})
        for leg in (waiting, builder, far):
            three.members[leg] = desk.join(room, leg, who[leg], moderator=leg == builder)
            self.by_leg[leg] = three
        step = f"{by} joined {who[waiting]} and {who[far]} in a three-way call"
        held.history.add(step)
        consultation.history.add(step)
        log.info("call %s: %s", held.id, step)
        return True

    def gone(self, call: Call, leg: str) -> bool:
        """A leg of a three-way call ended; True if it was one (the caller of this said so)."""
        three = self.by_leg.pop(leg, None)
        if three is None:
            return False
        member = three.members.pop(leg)
        self.switch.conferences.leave(member, three.room)
        for each in three.calls:
            if leg == each.a_leg:
                each.a_alive = False
            elif leg == each.b_leg:
                each.b_alive = False
        left = list(three.members)
        end_all = leg == three.builder and str(get_setting(self.switch.db, "three_way_end")) == "end"
        if len(left) <= 1 or end_all:
            for other in left:
                self.switch.send(call, other, "hangup")
        for each in three.calls:
            if not (each.a_alive or each.b_alive):
                each.decide("answered", f"three-way call ended ({member.who} hung up last)", "caller")
                self.switch.maybe_finish(each)
        return True

    @staticmethod
    def _who(call: Call, leg: str) -> str:
        if leg in call.extensions:
            return call.extensions[leg]
        return call.caller if leg == call.a_leg else (call.answered_by or call.dial_target or "the other party")
