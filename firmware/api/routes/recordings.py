"""/api/recordings: call recordings and their files; /api/recording-policies: what is recorded.

With `recordings` every recording; without it, a user sees and downloads only recordings of
conversations their own extension talked in (an API key without it, nothing). Removing a
recording needs `recordings`; the policies need `call_logic`.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse

from firmware.access.permissions import Permission
from firmware.admin import recordings
from firmware.admin.errors import NotFound
from firmware.api.auth import Principal, Who, admin_for, forbidden, require
from firmware.api.database import Db

router = APIRouter(prefix="/api", tags=["recordings"])
MayRemove = Annotated[Principal, Depends(require(Permission.RECORDINGS))]
MayPolicy = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]


def _scoped(who: Principal, query: recordings.RecordingQuery) -> recordings.RecordingQuery:
    if who.may(Permission.RECORDINGS):
        return query
    if who.login is None or (query.extension and query.extension != who.login):
        raise forbidden(who, Permission.RECORDINGS)
    return query.model_copy(update={"extension": who.login})


def _visible(who: Principal, view: recordings.RecordingView) -> recordings.RecordingView:
    if who.may(Permission.RECORDINGS) or (who.login is not None and who.login in view.extensions):
        return view
    # Someone else's conversation: as if it did not exist, so ids cannot be probed.
    raise NotFound(f"recording {view.id} does not exist; see GET /api/recordings")


@router.get("/recordings", response_model=recordings.RecordingList,
            summary="recordings, newest first, by extension and date, with their total size")
def list_recordings(query: Annotated[recordings.RecordingQuery, Query()], who: Who, db: Db,
                    request: Request) -> recordings.RecordingList:
    return recordings.find(admin_for(who, db, request), _scoped(who, query))


@router.get("/recordings/{recording_id}", response_model=recordings.RecordingView)
def get_recording(recording_id: int, who: Who, db: Db, request: Request) -> recordings.RecordingView:
    return _visible(who, recordings.get(admin_for(who, db, request), recording_id))


@router.get("/recordings/{recording_id}/audio", response_class=FileResponse,
            summary="the recording as a WAV file (G.711 u-law, 8 kHz mono), to play or save; audited")
def recording_audio(recording_id: int, who: Who, db: Db, request: Request) -> FileResponse:
    admin = admin_for(who, db, request)
    _visible(who, recordings.get(admin, recording_id))
    path = recordings.audio_file(admin, recording_id)
    return FileResponse(path, media_type="audio/wav", filename=f"recording-{recording_id}.wav")


@router.delete("/recordings/{recording_id}", status_code=204, summary="delete a recording and its file")
def remove_recording(recording_id: int, who: MayRemove, db: Db, request: Request) -> None:
    recordings.remove(admin_for(who, db, request), recording_id)


@router.get("/recording-policies", response_model=recordings.PolicyList)
def list_policies(who: MayPolicy, db: Db, request: Request) -> recordings.PolicyList:
    return recordings.policies(admin_for(who, db, request))


@router.put("/recording-policies", response_model=recordings.PolicyView,
            summary="give an extension, ring group or trunk (+ DID) a policy; 'default' removes its own")
def set_policy(wanted: recordings.PolicyView, who: MayPolicy, db: Db, request: Request) -> recordings.PolicyView:
    return recordings.set_policy(admin_for(who, db, request), wanted)
