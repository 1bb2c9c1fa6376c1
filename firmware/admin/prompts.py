"""Company greetings (custom prompts): list, upload with the same checks and messages as the CLI,
record from a phone (the PBX calls the extension), play, remove (refused while a menu or queue
uses one). The brain reads them per call, so a change is heard from the next call on."""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.brain import control_socket
from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.brain.control import RecordPrompt, ask
from firmware.calls.music import PROMPT_PREFIX
from firmware.prompts import upload as store
from firmware.prompts.library import PromptError


class PromptView(BaseModel):
    name: str
    seconds: float
    source: str = Field(description="upload, or phone (recorded from an extension)")
    created_at: str


def _view(prompt: store.CustomPrompt) -> PromptView:
    return PromptView(name=prompt.name, seconds=prompt.seconds, source=prompt.source, created_at=prompt.created_at)


def list_all(admin: Admin) -> list[PromptView]:
    # Music on hold is kept as prompts too (moh-CLASS); it has its own list (firmware/admin/music.py).
    return [_view(p) for p in store.list_prompts(admin.db) if not p.name.startswith(PROMPT_PREFIX)]


def upload(admin: Admin, name: str, source: Path, shown_as: str = "") -> PromptView:
    """Store `source` as greeting `name`; PromptError (nothing changed) naming `shown_as` (what the
    person sent: a file name) rather than a temporary path, with what is accepted."""
    try:
        made = store.import_audio(admin.db, admin.data_dir, name, source)
    except PromptError as exc:
        raise PromptError(str(exc).replace(str(source), shown_as or str(source))) from None
    admin.audit("prompt.upload", name=name, seconds=made.seconds)
    return _view(made)


def audio_file(admin: Admin, name: str) -> Path:
    store.check_name(name)
    found = store.get_prompt(admin.db, name)
    if found is None:
        raise NotFound(f"greeting {name!r} does not exist; see GET /api/prompts")
    return store.prompt_path(admin.data_dir, name)


def remove(admin: Admin, name: str) -> None:
    store.remove_prompt(admin.db, admin.data_dir, name)
    admin.audit("prompt.remove", name=name)


class RecordRequest(BaseModel):
    """Record a greeting from a phone: the PBX rings `extension`; after the beep, speak, then hang up
    or press #."""
    model_config = ConfigDict(extra="forbid")
    extension: str = Field(min_length=1, max_length=16, examples=["101"], description="the extension that rings")


class StartedRecording(BaseModel):
    call: str = Field(description="the call's id, as in the list of calls in progress")
    prompt: str
    extension: str


def record_from_phone(admin: Admin, name: str, request: RecordRequest) -> StartedRecording:
    """Ask the running PBX to ring the extension and keep what is said there as greeting `name` (the
    upload's checks; GET /api/prompts shows it once kept). ControlError when the PBX is not running or
    the extension does not exist, is disabled or is in a call."""
    store.check_name(name)
    answer = ask(control_socket(admin.data_dir), RecordPrompt(extension=request.extension, prompt=name,
                                                              by=admin.actor.who))
    started = StartedRecording(call=str(answer["call"]), prompt=name, extension=request.extension)
    admin.audit("prompt.record", name=name, extension=request.extension, call=started.call)
    return started
