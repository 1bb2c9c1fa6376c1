"""The call events a webhook (and the live event stream, GET /api/events) carries, and their bodies.

call.ringing and call.answered are `CallProgress` (who calls, whose phones ring, who took
it); call.ended and call.missed are `CallEvent`, the CDR row's facts.
"""
from __future__ import annotations

from pydantic import BaseModel, Field

from firmware.store.cdr import CallRecord

# ringing: an extension's phones start ringing for a call (one event per extension, so a CRM can
# pop the caller's card on that person's screen); answered: someone took the call; transferred:
# a party sent the other on (the CRM moves the caller's card to the new person).
PROGRESS_EVENTS = ("call.ringing", "call.answered", "call.transferred")
EVENTS = (*PROGRESS_EVENTS, "call.ended", "call.missed")
MISSED_DISPOSITIONS = ("no_answer", "cancelled", "busy")


class CallProgress(BaseModel):
    """The body of a call.ringing, call.answered or call.transferred delivery (JSON)."""
    event: str = Field(description=f"one of: {', '.join(PROGRESS_EVENTS)}")
    call_id: str = Field(description="the SIP Call-ID: the CDR row's call_id once the call has ended")
    call: str = Field(description="the call in progress: its id in GET /api/calls and DELETE /api/calls/{id}")
    caller: str = Field(description="an extension, or the outside caller's number")
    caller_name: str = Field(description="the extension's name, the network's or the phonebook's name; '' unknown")
    called: str = Field(description="what the caller dialled (a DID for an outside call)")
    extension: str = Field(description="ringing: the extension whose phones ring; answered: who answered "
                                       "(an extension, or the outside number that answered); transferred: "
                                       "where the caller was sent (the number dialled, or the party consulted)")
    transferred_by: str = Field(default="", description="transferred: the extension that sent the caller on")
    attended: bool = Field(default=False, description="transferred: after a consultation (else blind)")
    trunk: str | None
    did: str | None
    at: str


class CallEvent(BaseModel):
    """The body of a call.ended or call.missed delivery (JSON)."""
    event: str = Field(description=f"one of: {', '.join(EVENTS)}")
    call_id: str
    call: str = Field(default="", description="the call's id while it was in progress (as in call.ringing)")
    caller: str
    called: str
    answered_by: str | None
    started_at: str
    answered_at: str | None
    ended_at: str
    disposition: str
    hangup_cause: str
    talk_seconds: float
    trunk: str | None
    did: str | None


def events_for(record: CallRecord, call: str = "") -> list[CallEvent]:
    def stamp(value: object) -> str | None:
        return value.isoformat(timespec="milliseconds") if hasattr(value, "isoformat") else None

    names = ["call.ended"]
    if record.answered_at is None and record.disposition in MISSED_DISPOSITIONS:
        names.append("call.missed")
    return [CallEvent(event=name, call_id=record.call_id, call=call, caller=record.caller, called=record.called,
                      answered_by=record.answered_by, started_at=stamp(record.started_at) or "",
                      answered_at=stamp(record.answered_at), ended_at=stamp(record.ended_at) or "",
                      disposition=record.disposition, hangup_cause=record.hangup_cause,
                      talk_seconds=record.talk_seconds, trunk=record.trunk, did=record.did) for name in names]
