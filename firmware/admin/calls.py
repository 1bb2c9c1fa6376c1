"""Calls in progress as an admin operation: click-to-call, transfer and hanging up, for the API
and the CLI.

The brain carries both out (firmware/brain/call_commands.py) through its control socket;
this layer says who asked and keeps the audit row. A refusal is a ControlError whose
`kind` says why (the extension does not exist, is busy, may not dial the number).
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.brain import control_socket
from firmware.admin.context import Admin
from firmware.brain.control import HangUp, Originate, Transfer, ask


class NewCall(BaseModel):
    """Click-to-call: ring `from`'s phones, then dial `to` as that extension."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: str = Field(alias="from", min_length=1, max_length=16, examples=["101"],
                       description="the extension whose phones ring first")
    to: str = Field(min_length=1, max_length=40, examples=["0301234567"],
                    description="the number it then dials, within its class of service "
                                "(an outside number with the outside prefix, an extension, a group)")


class CallTransfer(BaseModel):
    """A party of the call sends the other party on, as its transfer key would."""
    model_config = ConfigDict(extra="forbid")
    to: str = Field(min_length=1, max_length=40, examples=["103"],
                    description="where the other party goes, dialled as the transferring extension would "
                                "(an extension, a group, the park number, an outside number)")
    extension: str = Field(default="", max_length=16, examples=["102"],
                           description="the extension that transfers; '' = the call's one extension party")


class StartedCall(BaseModel):
    call: str = Field(description="the call's id, as in the list of calls in progress")


def originate(admin: Admin, request: NewCall) -> StartedCall:
    answer = ask(control_socket(admin.data_dir), Originate(extension=request.from_, number=request.to,
                                                           by=admin.actor.who))
    started = StartedCall(call=str(answer["call"]))
    admin.audit("call.originate", extension=request.from_, number=request.to, call=started.call)
    return started


def hang_up(admin: Admin, call_id: str) -> None:
    ask(control_socket(admin.data_dir), HangUp(call=call_id, by=admin.actor.who))
    admin.audit("call.hangup", call=call_id)


def transfer(admin: Admin, call_id: str, request: CallTransfer) -> None:
    ask(control_socket(admin.data_dir), Transfer(call=call_id, extension=request.extension, number=request.to,
                                                 by=admin.actor.who))
    admin.audit("call.transfer", call=call_id, extension=request.extension, number=request.to)
