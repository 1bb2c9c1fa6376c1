"""Company greetings (custom prompts): list, upload with the same checks and messages as the CLI,
play, remove (refused while a menu or queue uses one). The brain reads them per call."""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
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
