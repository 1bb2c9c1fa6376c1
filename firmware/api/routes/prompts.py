"""/api/prompts: company greetings: list, upload (the file as the request body), record from a phone,
play, remove. Needs `call_logic` (greetings are what menus and queues play)."""
from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse

from firmware.access.permissions import Permission
from firmware.admin import prompts
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db
from firmware.api.uploads import MAX_UPLOAD_BYTES, store_body
from firmware.prompts.upload import check_name

router = APIRouter(prefix="/api/prompts", tags=["greetings"])
May = Annotated[Principal, Depends(require(Permission.CALL_LOGIC))]
UPLOAD_PATH = "/api/prompts/"


@router.get("", response_model=list[prompts.PromptView])
def list_prompts(who: May, db: Db, request: Request) -> list[prompts.PromptView]:
    return prompts.list_all(admin_for(who, db, request))


@router.put("/{name}", response_model=prompts.PromptView,
            summary="add or replace a greeting: the audio file (WAV, MP3, OGG or FLAC) as the request body, "
                    f"at most {MAX_UPLOAD_BYTES >> 20} MiB; `filename` names it in refusals",
            openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}, "required": True}})
async def upload_prompt(name: str, who: May, db: Db, request: Request, filename: str = "") -> prompts.PromptView:
    check_name(name)
    admin = admin_for(who, db, request)
    return await store_body(request, admin.data_dir, partial(prompts.upload, admin, name), filename)


@router.post("/{name}/record", response_model=prompts.StartedRecording, status_code=202,
             summary="record the greeting from a phone: the extension rings; after the beep the person speaks, "
                     "then hangs up or presses #; GET /api/prompts shows the greeting once it is kept",
             responses={404: {"description": "no such extension"},
                        409: {"description": "the extension is in a call"},
                        503: {"description": "the PBX is not running"}})
def record_prompt(name: str, request_body: prompts.RecordRequest, who: May, db: Db,
                  request: Request) -> prompts.StartedRecording:
    return prompts.record_from_phone(admin_for(who, db, request), name, request_body)


@router.get("/{name}/audio", response_class=FileResponse, summary="the greeting as callers hear it (8 kHz WAV)")
def prompt_audio(name: str, who: May, db: Db, request: Request) -> FileResponse:
    return FileResponse(prompts.audio_file(admin_for(who, db, request), name), media_type="audio/wav",
                        filename=f"{name}.wav")


@router.delete("/{name}", status_code=204, summary="remove a greeting no voice menu or queue plays")
def remove_prompt(name: str, who: May, db: Db, request: Request) -> Response:
    prompts.remove(admin_for(who, db, request), name)
    return Response(status_code=204)
