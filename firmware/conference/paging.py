"""Group paging: a ring group with strategy `page` is a one-way announcement.

    the pager dials the group's number --> every idle member's phone is called with the
    auto-answer headers (firmware/intercom), a paging zone answers by itself too --> each
    answering phone hears a chime, then the pager; nobody hears the listeners --> the pager
    hangs up: every phone is let go

A member in a call or on do-not-disturb is skipped; members that have not answered within
PAGE_ANSWER_SECONDS are let go (a phone that does not auto-answer would otherwise ring on).
The page is mixed like a conference room (desk.py), the listeners muted, so phones on any
call worker hear it. Who may page a group: its `pagers` (every extension when none are set).
One call record: the pager's call, with the phones that answered in its history.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from firmware.apps.forwarding.config import get_forwarding
from firmware.apps.ringgroups.config import RingGroup
from firmware.brain.calls import Call, CallState
from firmware.brain.ringing import USER_BUSY
from firmware.conference.desk import PAGE_CHIME, Member
from firmware.intercom import auto_answer_headers
from firmware.store.settings import get_setting

if TYPE_CHECKING:
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.paging")

PAGE_ANSWER_SECONDS = 8.0


@dataclass
class Page:
    call: Call
    group: str
    room: str
    pager: Member
    ringing: dict[str, str] = field(default_factory=dict)  # leg -> member extension
    listening: dict[str, Member] = field(default_factory=dict)  # leg -> its place in the room


class Pages:
    def __init__(self, switch: Switch) -> None:
        self.switch = switch
        self.by_leg: dict[str, Page] = {}

    def start(self, call: Call, group: RingGroup) -> None:
        switch = self.switch
        pager = call.party_extension
        if not pager or (group.pagers and pager not in group.pagers):
            switch.refuse(call, 403, "Forbidden", f"{pager or call.caller} may not page group {group.name}",
                          "barred", "unavailable")
            return
        idle = [m for m in group.members if m != pager and not switch.in_conversation(m)
                and not get_forwarding(switch.db, m).dnd]
        if not idle:
            switch.refuse(call, 486, USER_BUSY, f"page {group.name}: no member is free", "busy", "busy")
            return
        switch.send(call, call.a_leg, "answer", code=200)
        call.a_answered = True
        call.state = CallState.CONFERENCE
        call.answered_at = call.answered_at or datetime.now(UTC)
        room = f"page-{call.id}"
        page = Page(call, group.name, room, switch.conferences.join(room, call.a_leg, pager, moderator=True))
        self.by_leg[call.a_leg] = page
        switch.send(call, call.a_leg, "tone", segments=PAGE_CHIME, loop=False, over=True)
        headers = auto_answer_headers(switch.realm, str(get_setting(switch.db, "intercom_alert_info")))
        name = call.caller_name.replace('"', "'")
        worker = switch.leg_workers.get(call.a_leg, call.worker)
        for n, member in enumerate(idle, 1):
            leg = f"p{call.id}-{n}"
            page.ringing[leg] = member
            self.by_leg[leg] = page
            switch.by_leg[leg] = call
            switch.leg_workers[leg] = worker
            worker.send({"type": "dial", "leg": leg, "uri": f"sip:{member}@{switch.edge}",
                         "from_uri": f'"Page: {name or pager}" <sip:{pager}@{switch.realm}>', "headers": headers})
        call.history.add(f"{pager} pages group {group.name} ({', '.join(idle)})")
        call.timers.append(asyncio.get_running_loop().call_later(PAGE_ANSWER_SECONDS, self._give_up, page))
        log.info("call %s: %s pages %s: %s", call.id, pager, group.name, ", ".join(idle))

    def _give_up(self, page: Page) -> None:
        for leg in list(page.ringing):
            self.switch.send(page.call, leg, "hangup")

    def event(self, call: Call, leg: str, kind: str) -> bool:
        """An event of a page's leg; False if the leg is no page's."""
        page = self.by_leg.get(leg)
        if page is None:
            return False
        if leg == call.a_leg:
            if kind == "ended":
                self._pager_gone(page)
            return True
        if kind == "answered" and leg in page.ringing:
            member = page.ringing.pop(leg)
            page.listening[leg] = self.switch.conferences.join(page.room, leg, member, moderator=False,
                                                               listen_only=True)
            call.extensions[leg] = member
            call.history.add(f"{member} answered the page")
        elif kind == "ended":
            self.by_leg.pop(leg, None)
            self.switch.by_leg.pop(leg, None)
            page.ringing.pop(leg, None)
            call.extensions.pop(leg, None)
            listener = page.listening.pop(leg, None)
            if listener is not None:
                self.switch.conferences.leave(listener, page.room)
        return True

    def _pager_gone(self, page: Page) -> None:
        call = page.call
        self.by_leg.pop(call.a_leg, None)
        self.switch.conferences.leave(page.pager, page.room)
        heard = [m.who for m in page.listening.values()]
        for leg in [*page.ringing, *page.listening]:
            self.switch.send(call, leg, "hangup")
        call.a_alive = False
        if heard:
            call.decide("answered", f"page to group {page.group}: heard by {', '.join(heard)}", "caller")
        else:
            call.decide("no_answer", f"page to group {page.group}: no phone answered", "caller")
        self.switch.maybe_finish(call)
