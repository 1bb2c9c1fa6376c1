"""The events a webhook can subscribe to, and what each delivery carries."""
from __future__ import annotations

from pydantic import BaseModel, Field

from firmware.store.cdr import CallRecord

# Only what the brain reports today: a call ended (every call) and a missed call (ended unanswered).
# Ringing and answered need the rewritten call core's hooks (docs/http-api.md).
EVENTS = ("call.ended", "call.missed")
MISSED_DISPOSITIONS = ("no_answer", "cancelled", "busy")


class CallEvent(BaseModel):
    """The body of a delivery (JSON)."""
    event: str = Field(description=f"one of: {', '.join(EVENTS)}")
    call_id: str
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


def events_for(record: CallRecord) -> list[CallEvent]:
    def stamp(value: object) -> str | None:
        return value.isoformat(timespec="milliseconds") if hasattr(value, "isoformat") else None

    names = ["call.ended"]
    if record.answered_at is None and record.disposition in MISSED_DISPOSITIONS:
        names.append("call.missed")
    return [CallEvent(event=name, call_id=record.call_id, caller=record.caller, called=record.called,
                      answered_by=record.answered_by, started_at=stamp(record.started_at) or "",
                      answered_at=stamp(record.answered_at), ended_at=stamp(record.ended_at) or "",
                      disposition=record.disposition, hangup_cause=record.hangup_cause,
                      talk_seconds=record.talk_seconds, trunk=record.trunk, did=record.did) for name in names]
