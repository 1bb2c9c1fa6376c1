"""The returning-caller destination (`icm:NAME`): ring the employee who last spoke with the caller.

The caller hears ringing while the lookup runs (call history, then the CRM); nobody
found, or the employee not answering, sends the call to the destination's fallback.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from firmware.apps.destinations import DestinationKind, Target
from firmware.apps.icm.config import get_icm
from firmware.apps.icm.lookup import find_employee
from firmware.apps.session import Next

if TYPE_CHECKING:
    from firmware.brain.calls import Call
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.switch")


def serve(switch: Switch, call: Call, name: str, nxt: Next) -> None:
    switch.start_task(call, returning_caller(switch, call, name))


async def returning_caller(switch: Switch, call: Call, name: str) -> None:
    icm = get_icm(switch.db, name)
    if icm is None:
        switch.refuse(call, 480, "Temporarily Unavailable", f"returning-caller destination {name} does not exist")
        return
    if not call.a_answered:
        switch.send(call, call.a_leg, "answer", code=180)
    try:
        found = await find_employee(switch.db, icm, call.caller)
    except Exception:
        log.exception("call %s: returning-caller lookup %s failed", call.id, name)
        found = None
    if not call.a_alive:
        return
    if found is None:
        switch.trail(call, f"icm {name}: nobody found")
        switch.go(call, Next(icm.fallback))
        return
    switch.trail(call, f"icm {name}: {found.extension} from {found.source}")

    def fall_through(why: str, code: int) -> None:
        switch.trail(call, f"icm {name}: {found.extension} {why.replace('_', ' ')}")
        switch.go(call, Next(icm.fallback))

    if icm.follow_forwarding:
        switch.go(call, Next(f"ext:{found.extension}"))
    else:
        switch.ringing.ring_extension(call, found.extension, follow=False, on_fail=fall_through,
                                      seconds=icm.ring_seconds)


DESTINATION_KINDS = (
    DestinationKind("icm", Target.NAME, "icm:NAME", exists="SELECT 1 FROM icm_destinations WHERE name = ?",
                    choices="SELECT name, name FROM icm_destinations ORDER BY name",
                    missing="returning-caller destination {} does not exist; see `icm list`", serve=serve),
)
