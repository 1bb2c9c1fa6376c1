"""Page and park: a call parked in a slot, and the slot announced to a paging group.

A paging group (a ring group with strategy `page`) may have a page-and-park number
(`minipbx ringgroup set office --park-number 871`). A call transferred there (REFER, `##`,
`*2`, flash) is parked as on the park number, and every idle member of the group is called
with the auto-answer headers, as a page is: each phone (a paging zone too) hears the chime,
then "Call on 7 0 1" twice, and is let go. Whoever dials `*86` from any phone takes the most
recently paged call still waiting; dialling the slot takes it as well. A paged call nobody
takes within `page_answer_seconds` rings the parker again, then the operator, as a park
timeout does.

    transferred to 871 --> parked at 701 (music); the parker hears "parked at 7 0 1"
                       --> each idle member answers by itself: chime, "call on 7 0 1" twice, hung up
    *86 (or 701) dialled --> talking; what is still being announced is ended
    page_answer_seconds --> ringing the parker --no answer--> the operator
"""
from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from firmware.apps.forwarding.config import get_forwarding
from firmware.apps.ringgroups.config import get_ring_group
from firmware.brain.calls import Call
from firmware.calls.park import Parked
from firmware.conference.desk import PAGE_CHIME
from firmware.conference.paging import PAGE_ANSWER_SECONDS
from firmware.dialplan.feature_codes import Argument, FeatureCode
from firmware.intercom import auto_answer_headers
from firmware.prompts.library import PromptError
from firmware.store.settings import get_setting

if TYPE_CHECKING:
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.page_park")

ANSWER_PAGE = "*86"
FEATURE_CODES = (
    FeatureCode(ANSWER_PAGE, Argument.NONE, "park", "take the call most recently parked by page and park"),
)
# Said twice, as office paging announcements are: a listener who caught only the end hears it again.
REPEATS = 2
# The chime's length (segments: tone, tone, on ms, off ms), and a breath before the words.
CHIME_SECONDS = sum(segment[2] + segment[3] for segment in PAGE_CHIME) / 1000 + 0.2


@dataclass
class Announcement:
    call: Call
    slot: str
    group: str
    ringing: dict[str, str] = field(default_factory=dict)  # leg -> member, not answered yet
    listening: dict[str, str] = field(default_factory=dict)  # leg -> member hearing the slot


class PageParks:
    def __init__(self, switch: Switch) -> None:
        self.switch = switch
        self.by_leg: dict[str, Announcement] = {}
        self._legs = itertools.count(1)

    def refusal(self, by: str, group_name: str) -> str:
        """Why `by` may not page-and-park to the group ('' = may): its pagers are the ones who may page it."""
        group = get_ring_group(self.switch.db, group_name)
        if group is None or group.strategy != "page":
            return f"group {group_name} no longer pages"
        if group.pagers and by not in group.pagers:
            return f"{by} may not page group {group_name}"
        return ""

    # ---- the page --------------------------------------------------------------------------
    def page(self, call: Call, parked: Parked) -> None:
        """Announce the parked call's slot to every idle member of its paging group."""
        switch = self.switch
        group = get_ring_group(switch.db, parked.paged)
        files = self._announcement(parked.slot)
        members = [] if group is None else [
            m for m in group.members if m != parked.parker and not switch.in_conversation(m)
            and not get_forwarding(switch.db, m).dnd]
        if files is None or not members:
            why = "the announcement is missing" if files is None else "no member is free"
            call.history.add(f"page to group {parked.paged} for the call parked at {parked.slot}: {why}")
            log.warning("call %s: page and park at %s to %s: %s", call.id, parked.slot, parked.paged, why)
            return
        announcement = Announcement(call, parked.slot, parked.paged)
        headers = auto_answer_headers(switch.realm, str(get_setting(switch.db, "intercom_alert_info")))
        worker = switch.leg_workers.get(parked.leg, call.worker)
        for member in members:
            leg = f"pp{parked.slot}-{next(self._legs)}"
            announcement.ringing[leg] = member
            self.by_leg[leg] = announcement
            switch.leg_workers[leg] = worker
            worker.send({"type": "dial", "leg": leg, "uri": f"sip:{member}@{switch.edge}",
                         "from_uri": f'"Page: call on {parked.slot}" <sip:{parked.slot}@{switch.realm}>',
                         "headers": headers})
        call.history.add(f"page to group {parked.paged} for the call parked at {parked.slot} "
                         f"({', '.join(members)})")
        log.info("call %s: paging %s for the call parked at %s: %s", call.id, parked.paged, parked.slot,
                 ", ".join(members))
        call.timers.append(asyncio.get_running_loop().call_later(PAGE_ANSWER_SECONDS, self._give_up,
                                                                  announcement))

    def _announcement(self, slot: str) -> list[str] | None:
        language = str(get_setting(self.switch.db, "language"))
        prompts = self.switch.prompts
        try:
            once = [str(prompts.system("page-call-on", language))]
            once += [str(prompts.system(f"digit-{d}", language)) for d in slot]
        except PromptError as exc:
            log.error("cannot announce parking slot %s: %s", slot, exc)
            return None
        return once * REPEATS

    def _give_up(self, announcement: Announcement) -> None:
        """Members that have not answered by now are let go (a phone that does not answer by itself)."""
        for leg in list(announcement.ringing):
            self.switch.send(announcement.call, leg, "hangup")

    def event(self, leg: str, kind: str) -> bool:
        """An event of a page-and-park announcement's leg; False if the leg is none of theirs."""
        announcement = self.by_leg.get(leg)
        if announcement is None:
            return False
        call = announcement.call
        if kind == "answered" and leg in announcement.ringing:
            member = announcement.ringing.pop(leg)
            announcement.listening[leg] = member
            call.history.add(f"{member} heard the page for {announcement.slot}")
            self.switch.send(call, leg, "tone", segments=PAGE_CHIME, loop=False)
            call.timers.append(asyncio.get_running_loop().call_later(CHIME_SECONDS, self._say, announcement, leg))
        elif kind == "played":
            self.switch.send(call, leg, "hangup")
        elif kind == "ended":
            self.by_leg.pop(leg, None)
            announcement.ringing.pop(leg, None)
            announcement.listening.pop(leg, None)
        return True

    def _say(self, announcement: Announcement, leg: str) -> None:
        files = self._announcement(announcement.slot)
        if leg not in announcement.listening:
            return  # hung up, or the call was taken during the chime
        if files is None:
            self.switch.send(announcement.call, leg, "hangup")
            return
        self.switch.send(announcement.call, leg, "play", id=f"page-park-{announcement.slot}", files=files)

    def end(self, call: Call) -> None:
        """The call was taken, rang back or ended: whatever still announces it is let go."""
        for leg, announcement in list(self.by_leg.items()):
            if announcement.call is not call:
                continue
            if leg not in self.switch.leg_workers:
                self.by_leg.pop(leg, None)  # its worker is gone: no `ended` will come
            elif leg in announcement.ringing or leg in announcement.listening:
                announcement.ringing.pop(leg, None)
                announcement.listening.pop(leg, None)
                self.switch.send(call, leg, "hangup")

    # ---- *86 -------------------------------------------------------------------------------
    def answer(self, call: Call) -> None:
        """*86 from any phone: the most recently paged call still parked, as if its slot were dialled."""
        parked = self.switch.park_lot.last_paged()
        if parked is None:
            self.switch.refuse(call, 404, "Not Found", f"{ANSWER_PAGE}: no paged call is waiting")
            return
        self.switch.in_call.retrieve(call, parked.slot, answering_page=True)
