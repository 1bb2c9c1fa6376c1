"""/api/music: music on hold classes: list, upload (the file as the request body), play, remove.
Needs `call_logic`, as greetings do (routes and queues choose the class their callers hear)."""
from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse

from firmware.access.permissions import Permission
from firmware.admin import music
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db
from firmware.api.uploads import MAX_UPLOAD_BYTES, store_body
from firmware.calls.music import check_class_name

router = APIRouter(prefix="/api/music", tags=["greetings"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]
UPLOAD_PATH = "/api/music/"


@router.get("", response_model=list[music.MusicClassView],
            summary="the music on hold classes, `default` first (what every held caller hears unless a route "
                    "or queue names another)")
def list_music(who: May, db: Db, request: Request) -> list[music.MusicClassView]:
    return music.list_all(admin_for(who, db, request))


@router.put("/{name}", response_model=music.MusicClassView,
            summary="add a class or replace its music: the audio file (WAV, MP3, OGG or FLAC) as the request body, "
                    f"at most {MAX_UPLOAD_BYTES >> 20} MiB; `filename` names it in refusals",
            openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}, "required": True}})
async def upload_music(name: str, who: May, db: Db, request: Request, filename: str = "") -> music.MusicClassView:
    check_class_name(name)
    admin = admin_for(who, db, request)
    return await store_body(request, admin.data_dir, partial(music.upload, admin, name), filename)


@router.get("/{name}/audio", response_class=FileResponse,
            summary="the class's music as held callers hear it (8 kHz WAV; the built-in melody for `default` "
                    "without an upload)")
def music_audio(name: str, who: May, db: Db, request: Request) -> FileResponse:
    return FileResponse(music.audio_file(admin_for(who, db, request), name), media_type="audio/wav",
                        filename=f"music-{name}.wav")


@router.delete("/{name}", status_code=204,
               summary="remove a class's music no route or queue names (`default` goes back to the built-in melody)")
def remove_music(name: str, who: May, db: Db, request: Request) -> Response:
    music.remove(admin_for(who, db, request), name)
    return Response(status_code=204)
