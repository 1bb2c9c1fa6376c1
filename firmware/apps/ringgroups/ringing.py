"""Ringing a ring group: its members in its strategy, then its no-answer destination.

A paging group (strategy `page`) is not rung but paged (conference/paging.py). A member
written `number:...` is an outside number, dialled with the installer's rights; a member
on do-not-disturb is left out.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from firmware.apps.destinations import DestinationKind, Target
from firmware.apps.forwarding.config import get_forwarding
from firmware.apps.ringgroups.config import get_ring_group
from firmware.apps.session import Next
from firmware.brain.calls import Call, RingPlan
from firmware.brain.ringing import SYSTEM_PROFILE
from firmware.brain.routing import DialOut

if TYPE_CHECKING:
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.switch")


def ring_group(switch: Switch, call: Call, name: str, nxt: Next) -> None:
    group = get_ring_group(switch.db, name)
    if group is None:
        switch.refuse(call, 480, "Temporarily Unavailable", f"ring group {name} does not exist")
        return
    call.route = call.route or f"ring group {name}"
    if name not in call.groups:
        call.groups.append(name)
    if group.strategy == "page":
        switch.paging.start(call, group)
        return
    members: list[str | DialOut] = []
    for member in group.members:
        if member.startswith("number:"):
            decision = switch.router.dial_number(member[7:], caller=call.caller, profile=SYSTEM_PROFILE,
                                                 busy_trunks=switch.trunk_usage(), mode=call.mode or None)
            if isinstance(decision, DialOut):
                members.append(decision)
            else:
                log.warning("call %s: ring group %s member %s cannot be dialled: %s", call.id, name, member,
                            getattr(decision, "cause", decision))
        elif not get_forwarding(switch.db, member).dnd:
            members.append(member)

    def fail(why: str, code: int) -> None:
        if group.no_answer:
            switch.trail(call, f"ring group {name} {why.replace('_', ' ')}")
            switch.go(call, Next(group.no_answer))
        else:
            switch.ringing.default_fail(call)(why, code)

    switch.ringing.start_plan(call, RingPlan(members, group.strategy, group.step_seconds, fail,
                                             label=f"group {name}", pickup_group=group.pickup_group),
                              group.timeout)


DESTINATION_KINDS = (
    DestinationKind("group", Target.NAME, "group:NAME", exists="SELECT 1 FROM ring_groups WHERE name = ?",
                    choices="SELECT name, name FROM ring_groups ORDER BY name",
                    missing="ring group {} does not exist; see `ringgroup list`", serve=ring_group),
)
