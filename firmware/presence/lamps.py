"""What each busy lamp shows, read from the switch's calls.

Derived afresh from the calls each time, never kept up by hand at each feature: hold,
transfer, pickup, park, three-way and rooms change who is where, and a lamp that is
computed from where everyone is cannot miss one of them.

    idle        the extension is on no call (one terminated dialog)
    early       its phones ring for a call (recipient; the caller is the remote party)
    confirmed   it is on a call: talking, dialling out, in a menu or a room, consulting
    held        confirmed, and its phone put the other party on hold

A park slot is confirmed while a call waits there, its remote party the parked caller.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.brain.calls import Call, CallState
from firmware.presence.dialog_info import Dialog

if TYPE_CHECKING:
    from firmware.brain.switch import Switch


def _party(call: Call, leg: str | None) -> str:
    """The number of whoever is on `leg` ('' when nobody is there yet)."""
    if leg is None:
        return ""
    if leg in call.extensions:
        return call.extensions[leg]
    if leg == call.a_leg:
        return call.caller
    return call.dial_target or call.called


def _alive(call: Call, leg: str) -> bool:
    if leg == call.a_leg:
        return call.a_alive
    if leg == call.b_leg:
        return call.b_alive
    return True  # the other members of a three-way call or a page leave by leaving `extensions`


def extension_dialogs(switch: Switch) -> dict[str, tuple[Dialog, ...]]:
    """Extension number -> its dialogs now; extensions on no call are absent."""
    found: dict[str, dict[str, Dialog]] = {}
    # A consultation borrows the consulting party's leg: the consultation, which that
    # party is talking in, names the lamp's remote party.
    ordered = sorted(switch.calls.values(), key=lambda c: c.consult_of is None)
    for call in ordered:
        if call.state is CallState.ENDED:
            continue
        for leg, number in call.extensions.items():
            if leg in call.branches or not _alive(call, leg):
                continue
            peer = call.other(leg)
            # The a_leg of a callback or click-to-call is the PBX calling the extension.
            calling = leg == call.a_leg and not call.callback
            remote = _party(call, peer) if peer is not None else call.called if calling else ""
            found.setdefault(number, {}).setdefault(leg, Dialog(
                id=leg, state="confirmed", direction="initiator" if calling else "recipient",
                remote=remote if remote != number else "",
                remote_name=call.caller_name if peer == call.a_leg else "",
                held=leg in call.held_legs))
        for leg, branch in call.branches.items():
            if branch.dial_out is not None:
                continue
            found.setdefault(branch.target, {}).setdefault(leg, Dialog(
                id=leg, state="early", direction="recipient", remote=call.caller, remote_name=call.caller_name))
    return {number: tuple(d.values()) for number, d in found.items()}


def park_dialogs(switch: Switch) -> dict[str, tuple[Dialog, ...]]:
    """Slot number -> the parked call's dialog; free slots are absent."""
    lamps: dict[str, tuple[Dialog, ...]] = {}
    for slot, parked in switch.park_lot.parked.items():
        call = switch.calls.get(parked.call_id)
        if call is None:
            continue
        remote = _party(call, parked.leg)
        lamps[slot] = (Dialog(id=parked.leg, state="confirmed", direction="recipient", remote=remote,
                              remote_name=call.caller_name if parked.leg == call.a_leg else ""),)
    return lamps
