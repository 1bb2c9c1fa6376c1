"""What the control socket's call commands do (firmware/brain/control.py): click-to-call,
hanging up a call, transferring one, a queue callback asked for from outside (the queue desk
takes it: firmware/queues/desk.py).

Click-to-call: the PBX rings an extension's phones first and, once one answers, dials the
number as that extension (its class of service, its caller ID), the CRM's "call this customer".

The call it makes has the same shape as a camp-on callback (`Switch.ring_first`): leg A is a
call *to* the extension; what the extension dialled is decided when it is asked for, so a
number its class of service bars is refused at once (the API says so), not after the phone
rang.

Transfer: an extension that is a party of a call sends the other party on, exactly as its
transfer key would (`InCallControl.blind_transfer`: its rights, recall when not answered,
the park number parks); a number it may not send calls to is refused here, before the call
is touched.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from firmware.apps.prompt_recording import PromptRecording
from firmware.brain.calls import CallState
from firmware.brain.control import (
    CallCommand,
    CallCommandRefused,
    HangUp,
    MailboxChanged,
    OpenDoor,
    Originate,
    PairDect,
    RecordPrompt,
    RemoveDect,
    RequestCallback,
    Transfer,
)
from firmware.brain.in_call import TransferRefused
from firmware.brain.routing import CallFacts, DialOut, GoTo, Refuse, RingExtension
from firmware.directory.leavers import disabled_since
from firmware.store.extensions import get_extension

if TYPE_CHECKING:
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.switch")

# What a person may type into a CRM's phone field: digits, * and #, a leading +; spaces, dashes,
# dots and brackets are dropped as written ("+49 (30) 123-45").
_NUMBER = re.compile(r"\+?[0-9*#]{1,32}")
_SEPARATORS = re.compile(r"[\s\-.()/]")


def clean_number(number: str) -> str:
    cleaned = _SEPARATORS.sub("", number)
    if not _NUMBER.fullmatch(cleaned):
        raise CallCommandRefused(f"number {number!r} cannot be dialled; use 1-32 digits, * or #, "
                                 "optionally after a leading + (spaces and dashes are fine)", "invalid")
    return cleaned


def carry_out(switch: Switch, command: CallCommand) -> dict[str, object] | Awaitable[dict[str, object]]:
    if isinstance(command, Originate):
        return {"call": originate(switch, command)}
    if isinstance(command, RequestCallback):
        return {"callback": switch.queues.request_from_outside(command, clean_number(command.number))}
    if isinstance(command, OpenDoor):
        return open_door(switch, command)
    if isinstance(command, PairDect):
        return pair_dect(switch, command)
    if isinstance(command, RemoveDect):
        return remove_dect(switch, command)
    if isinstance(command, RecordPrompt):
        return {"call": record_prompt(switch, command)}
    if isinstance(command, MailboxChanged):
        switch.apps.mailbox_changed(command.mailbox)
        return {"mailbox": command.mailbox}
    if isinstance(command, Transfer):
        transfer(switch, command)
        return {"call": command.call}
    hang_up(switch, command)
    return {"call": command.call}


def originate(switch: Switch, command: Originate) -> str:
    """Start a click-to-call; the call's id. Refused (CallCommandRefused) before anything rings
    when the extension does not exist or is busy, or the number is not one it may dial."""
    extension, number = command.extension, clean_number(command.number)
    if number == extension:
        raise CallCommandRefused(f"extension {extension} cannot call itself; give another number", "invalid")
    _check_ringable(switch, extension)
    facts = CallFacts(caller=extension, dialled=number, auth_user=extension)
    decision = switch.router.decide(facts, switch.trunk_usage())
    if isinstance(decision, Refuse):
        kind = "busy" if decision.disposition == "busy" else "barred"
        raise CallCommandRefused(f"extension {extension} cannot call {number}: {decision.cause}", kind)
    if not isinstance(decision, RingExtension | DialOut | GoTo):
        # Feature codes, pickup and park act on the phone that dials them, not on a call the PBX makes.
        raise CallCommandRefused(f"{number} is a feature code, not a number to call; "
                                 "click-to-call dials extensions, groups, services and outside numbers",
                                 "invalid")
    call = switch.ring_first(extension, decision, facts.mode, route=f"click-to-call by {command.by}",
                             shown_as=number)
    if call is None:
        raise CallCommandRefused("no call worker is up; try again in a moment", "failed")
    log.info("call %s: click-to-call by %s: %s first, then %s", call.id, command.by, extension, number)
    return call.id


def _check_ringable(switch: Switch, extension: str) -> None:
    if get_extension(switch.db, extension) is None:
        raise CallCommandRefused(f"extension {extension} does not exist", "not_found")
    if disabled_since(switch.db, extension):
        raise CallCommandRefused(f"extension {extension} is disabled (its person left the directory)", "barred")
    if switch.in_conversation(extension):
        raise CallCommandRefused(f"extension {extension} is in a call; try again when it is free", "busy")


def record_prompt(switch: Switch, command: RecordPrompt) -> str:
    """Ring the extension to record a company greeting there; the call's id. Refused before anything
    rings when the extension does not exist, is disabled or is in a call."""
    extension = command.extension
    _check_ringable(switch, extension)
    # The phone shows the greeting's name as the caller, so the person knows what the call is for.
    call = switch.ring_first(extension, PromptRecording(command.prompt), switch.router.mode(),
                             route=f"greeting recording by {command.by}", shown_as=command.prompt,
                             display=f"Record {command.prompt}")
    if call is None:
        raise CallCommandRefused("no call worker is up; try again in a moment", "failed")
    log.info("call %s: greeting %s to be recorded at extension %s (asked by %s)", call.id, command.prompt,
             extension, command.by)
    return call.id


async def _opened(switch: Switch, command: OpenDoor) -> dict[str, object]:
    why = await switch.doors.open(command.door, command.by, command.how)
    if why:
        raise CallCommandRefused(why, "not_found" if why.endswith("does not exist") else "failed")
    return {"door": command.door}


def open_door(switch: Switch, command: OpenDoor) -> Awaitable[dict[str, object]]:
    """Open a door's lock (its open time); refused when the door does not exist or the gateway
    could not open it (the door log has the reason too)."""
    return _opened(switch, command)


async def pair_dect(switch: Switch, command: PairDect) -> dict[str, object]:
    """Open the DECT module's subscription window (through the line gateway, which owns the module)."""
    if switch.dect_pairer is None:
        raise CallCommandRefused("no line gateway runs DECT on this board (no [dect] module)", "not_found")
    why = await switch.dect_pairer(int(command.seconds), command.extension)
    if why:
        raise CallCommandRefused(why, "failed")
    # The front panel blinks while the window is open, however it was opened.
    switch.dect_window_until = time.monotonic() + int(command.seconds)
    log.info("DECT subscription window open for %s s (by %s)%s", command.seconds, command.by,
             f"; the next handset gets extension {command.extension}" if command.extension else "")
    return {"seconds": int(command.seconds), "extension": command.extension}


async def remove_dect(switch: Switch, command: RemoveDect) -> dict[str, object]:
    """Deregister a DECT handset from the module (through the line gateway); its port goes, so
    it can neither call nor be rung."""
    if switch.dect_remover is None:
        raise CallCommandRefused("no line gateway runs DECT on this board (no [dect] module)", "not_found")
    why = await switch.dect_remover(command.port)
    if why:
        raise CallCommandRefused(why, "failed")
    log.info("DECT handset %s deregistered (by %s)", command.port, command.by)
    return {"port": command.port}


def hang_up(switch: Switch, command: HangUp) -> None:
    call = switch.calls.get(command.call)
    if call is None:
        raise CallCommandRefused(f"call {command.call} is not in progress (it may have ended); "
                                 "see the list of calls in progress", "not_found")
    log.info("call %s: hung up by %s", call.id, command.by)
    switch.end_call(call, f"hung up by {command.by}")


def transfer(switch: Switch, command: Transfer) -> None:
    call = switch.calls.get(command.call)
    if call is None:
        raise CallCommandRefused(f"call {command.call} is not in progress (it may have ended); "
                                 "see the list of calls in progress", "not_found")
    number = clean_number(command.number)
    if call.state is not CallState.ANSWERED or call.b_leg is None or call.consult is not None \
            or call.consult_of is not None:
        raise CallCommandRefused(f"call {call.id} is {call.state.value}, not a conversation between two "
                                 "parties; only an answered call can be transferred", "busy")
    parties = {leg: number_ for leg, number_ in call.extensions.items() if leg in (call.a_leg, call.b_leg)}
    if command.extension:
        legs = [leg for leg, ext in parties.items() if ext == command.extension]
        if not legs:
            raise CallCommandRefused(f"extension {command.extension} is not a party of call {call.id} "
                                     f"(its extensions: {', '.join(sorted(parties.values())) or 'none'})",
                                     "invalid")
    else:
        legs = list(parties)
        if len(legs) != 1:
            raise CallCommandRefused(f"call {call.id} has {len(legs)} extension parties; say which one transfers "
                                     f"(one of: {', '.join(sorted(parties.values())) or 'none'})", "invalid")
    by_leg = legs[0]
    by = parties[by_leg]
    # The rule the transfer key follows, checked first so that a refusal leaves the call alone.
    checked = switch.in_call.transfer_decision(by, number)
    if isinstance(checked, TransferRefused):
        raise CallCommandRefused(f"extension {by} cannot transfer to {number}: {checked.why}", checked.kind)
    log.info("call %s: %s transfers the other party to %s (asked by %s)", call.id, by, number, command.by)
    switch.in_call.blind_transfer(call, by_leg, number)
