"""/api/recordings: call recordings and their files; /api/recording-policies: what is recorded.

Who hears which (the permission model's "all / own department / own"): with `recordings` every
recording; with `department_recordings` those a member of one's own department talked in; else a
user only those of conversations their own extension talked in (an API key without either,
nothing). Deleting needs `recordings`, or `department_recordings` for the department's. A recording
one may not hear is a 404, as if it did not exist. The policies need `call_logic`.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse

from firmware.access.permissions import Permission
from firmware.admin import recordings
from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.api.auth import Principal, Who, admin_for, forbidden, require
from firmware.api.database import Db

router = APIRouter(prefix="/api", tags=["recordings"])
MayPolicy = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]


def _audience(who: Principal, admin: Admin) -> frozenset[str] | None:
    """The extensions whose recordings `who` may hear; None: every recording."""
    if who.may(Permission.RECORDINGS):
        return None
    if who.login is None:
        raise forbidden(who, Permission.RECORDINGS)
    return recordings.audience(admin, who.login, department=who.may(Permission.DEPARTMENT_RECORDINGS))


def _visible(who: Principal, admin: Admin, recording_id: int) -> recordings.RecordingView:
    view = recordings.get(admin, recording_id)
    audience = _audience(who, admin)
    if audience is None or audience.intersection(view.extensions):
        return view
    # Someone else's conversation: as if it did not exist, so ids cannot be probed.
    raise NotFound(f"recording {view.id} does not exist; see GET /api/recordings")


@router.get("/recordings", response_model=recordings.RecordingList,
            summary="recordings, newest first, by extension and date, with their total size")
def list_recordings(query: Annotated[recordings.RecordingQuery, Query()], who: Who, db: Db,
                    request: Request) -> recordings.RecordingList:
    admin = admin_for(who, db, request)
    audience = _audience(who, admin)
    if audience is not None and query.extension and query.extension not in audience:
        raise forbidden(who, Permission.RECORDINGS)
    return recordings.find(admin, query, among=audience)


@router.get("/recordings/{recording_id}", response_model=recordings.RecordingView)
def get_recording(recording_id: int, who: Who, db: Db, request: Request) -> recordings.RecordingView:
    return _visible(who, admin_for(who, db, request), recording_id)


@router.get("/recordings/{recording_id}/audio", response_class=FileResponse,
            summary="the recording as a WAV file (G.711 u-law, 8 kHz mono), to play or save; audited")
def recording_audio(recording_id: int, who: Who, db: Db, request: Request) -> FileResponse:
    admin = admin_for(who, db, request)
    _visible(who, admin, recording_id)
    path = recordings.audio_file(admin, recording_id)
    return FileResponse(path, media_type="audio/wav", filename=f"recording-{recording_id}.wav")


@router.delete("/recordings/{recording_id}", status_code=204, summary="delete a recording and its file")
def remove_recording(recording_id: int, who: Who, db: Db, request: Request) -> None:
    if not (who.may(Permission.RECORDINGS) or who.may(Permission.DEPARTMENT_RECORDINGS)):
        raise forbidden(who, Permission.RECORDINGS)
    admin = admin_for(who, db, request)
    _visible(who, admin, recording_id)
    recordings.remove(admin, recording_id)


@router.get("/recording-policies", response_model=recordings.PolicyList)
def list_policies(who: MayPolicy, db: Db, request: Request) -> recordings.PolicyList:
    return recordings.policies(admin_for(who, db, request))


@router.put("/recording-policies", response_model=recordings.PolicyView,
            summary="give an extension, ring group or trunk (+ DID) a policy; 'default' removes its own")
def set_policy(wanted: recordings.PolicyView, who: MayPolicy, db: Db, request: Request) -> recordings.PolicyView:
    return recordings.set_policy(admin_for(who, db, request), wanted)
