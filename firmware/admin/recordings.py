"""Call recordings as admin operations, for the CLI and the HTTP API: list (by extension and
date, with the total size), one recording's file, removal, and the recording policies.

Every copy of a recording taken out of the box (export, download) is an audit row: a
recording is a conversation, and the office must be able to say who took one.
"""
from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.recording import index, mail, policy


class RecordingView(BaseModel):
    id: int
    call_id: str = Field(description="the call record's call_id (GET /api/cdr)")
    segment: int = Field(description="1, 2, ...: a hold, transfer or park starts a new file")
    started_at: str
    ended_at: str
    seconds: float
    bytes: int
    parties: str
    extensions: list[str]
    trunk: str
    did: str
    state: str = Field(description="done, or interrupted (cut short by a crash or power cut; what was "
                                   "written is kept)")
    why: str = Field(description="the policy that made it record")


class RecordingQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extension: str = Field(default="", max_length=16, description="only recordings this extension talked in")
    since: str = Field(default="", max_length=25, description="from this date or time (UTC, ISO 8601)")
    until: str = Field(default="", max_length=25, description="up to this date (its whole day) or time")
    call_id: str = Field(default="", max_length=200)
    limit: int = Field(default=1000, ge=1, le=1000, description="recordings on this page")
    offset: int = Field(default=0, ge=0)


class RecordingList(BaseModel):
    recordings: list[RecordingView] = Field(description="this page, newest first")
    count: int = Field(description="recordings the filters select, all pages together")
    total_bytes: int = Field(description="their size, all pages together")
    total_seconds: float


class PolicyView(BaseModel):
    target: str = Field(examples=["ext:101"], description="ext:NUMBER, group:NAME, trunk:NAME or trunk:NAME/DID")
    policy: str = Field(description="always, on_demand or never")


class PolicyList(BaseModel):
    default: str = Field(description="the policy of extensions without one (setting call_recording)")
    policies: list[PolicyView]


def _view(row: index.Recording) -> RecordingView:
    return RecordingView(id=row.id, call_id=row.call_id, segment=row.segment, started_at=row.started_at,
                         ended_at=row.ended_at, seconds=row.seconds, bytes=row.bytes, parties=row.parties,
                         extensions=list(row.extensions), trunk=row.trunk, did=row.did, state=row.state,
                         why=row.why)


def _row(admin: Admin, recording_id: int) -> index.Recording:
    try:
        return index.get(admin.db, recording_id)
    except index.RecordingNotFound as exc:
        raise NotFound(str(exc)) from None


def audience(admin: Admin, number: str, department: bool) -> frozenset[str]:
    """The extensions whose conversations extension `number` may hear: its own, and with `department`
    those of every current member of its department (none: its own only)."""
    members = {number}
    row = admin.db.execute("SELECT department FROM extensions WHERE number = ?", [number]).fetchone()
    if department and row and row[0]:
        members.update(str(n) for (n,) in admin.db.execute(
            "SELECT number FROM extensions WHERE department = ?", [row[0]]).fetchall())
    return frozenset(members)


def find(admin: Admin, query: RecordingQuery, among: Collection[str] | None = None) -> RecordingList:
    """`among`: only recordings one of these extensions talked in (None: every recording)."""
    filters = {"extension": query.extension, "since": query.since, "until": query.until, "call_id": query.call_id}
    rows = index.find(admin.db, **filters, among=among, limit=query.limit, offset=query.offset)
    count, size, seconds = index.totals(admin.db, **filters, among=among)
    return RecordingList(recordings=[_view(r) for r in rows], count=count, total_bytes=size,
                         total_seconds=round(seconds, 1))


def get(admin: Admin, recording_id: int) -> RecordingView:
    return _view(_row(admin, recording_id))


def audio_file(admin: Admin, recording_id: int) -> Path:
    """The recording's WAV file, for a download or an export; audited."""
    row = _row(admin, recording_id)
    path = admin.data_dir / row.path
    if not path.is_file():
        raise NotFound(f"recording {recording_id}: its file {row.path} is missing from the data partition")
    admin.audit("recording.copy", id=recording_id, call_id=row.call_id)
    return path


def remove(admin: Admin, recording_id: int) -> RecordingView:
    _row(admin, recording_id)
    gone = index.remove(admin.db, admin.data_dir, recording_id)
    admin.audit("recording.remove", id=recording_id, call_id=gone.call_id)
    return _view(gone)


def policies(admin: Admin) -> PolicyList:
    from firmware.store.settings import get_setting

    return PolicyList(default=str(get_setting(admin.db, "call_recording")),
                      policies=[PolicyView(target=t, policy=p) for t, p in policy.policies(admin.db).items()])


def set_policy(admin: Admin, wanted: PolicyView) -> PolicyView:
    """'' or 'default' removes the target's own policy. The brain reads policies at each
    conversation's start: the next one follows the change, no reload."""
    value = "" if wanted.policy in ("", "default") else wanted.policy
    target = policy.set_policy(admin.db, wanted.target, value)
    admin.audit("recording.policy", target=target, policy=value or "default")
    return PolicyView(target=target, policy=value or "default")


def set_mail(admin: Admin, number: str, on: bool) -> list[str]:
    """Each recording of `number`'s conversations e-mailed to its address, or no more; who gets them now."""
    mail.set_mail(admin.db, number, on)
    admin.audit("recording.mail", extension=number, on=on)
    return mail.mailed_extensions(admin.db)
