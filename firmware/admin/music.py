"""Music on hold as admin operations: list the classes, upload one (the greetings' converter,
checks and messages), play one, remove one no route or queue names.

A class is what held, parked and transferred callers hear (firmware/calls/music.py): `default`
for everyone unless a trunk route or a queue names another. The brain looks the class's file up
each time someone is put on hold, so an upload or a removal is heard from the next hold on.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.calls import music
from firmware.prompts import upload as store
from firmware.prompts.library import PromptError


class MusicClassView(BaseModel):
    name: str
    seconds: float = Field(description="length of the uploaded file; 0 for the built-in melody")
    built_in: bool = Field(description="true for class default while no file replaces its built-in melody")
    created_at: str = Field(description="when it was uploaded (UTC); '' for the built-in melody")
    used_by: list[str] = Field(description="the trunk routes and queues whose callers hear it")


def _view(admin: Admin, name: str, uploaded: store.CustomPrompt | None) -> MusicClassView:
    return MusicClassView(name=name, seconds=uploaded.seconds if uploaded else 0.0, built_in=uploaded is None,
                          created_at=uploaded.created_at if uploaded else "",
                          used_by=music.classes_in_use(admin.db, name))


def list_all(admin: Admin) -> list[MusicClassView]:
    """Every class, `default` first (built in until a file replaces it), the others by name."""
    uploaded = {p.name[len(music.PROMPT_PREFIX):]: p for p in store.list_prompts(admin.db)
                if p.name.startswith(music.PROMPT_PREFIX)}
    names = [music.DEFAULT_CLASS, *sorted(n for n in uploaded if n != music.DEFAULT_CLASS)]
    return [_view(admin, name, uploaded.get(name)) for name in names]


def upload(admin: Admin, name: str, source: Path, shown_as: str = "") -> MusicClassView:
    """Store `source` as class `name` (replacing its music); PromptError (nothing changed) naming
    `shown_as` (what the person sent) rather than a temporary path."""
    music.check_class_name(name)
    try:
        made = store.import_audio(admin.db, admin.data_dir, music.prompt_name(name), source)
    except PromptError as exc:
        raise PromptError(str(exc).replace(str(source), shown_as or str(source))) from None
    admin.audit("music.upload", name=name, seconds=made.seconds)
    return _view(admin, name, made)


def audio_file(admin: Admin, name: str) -> Path:
    """The file held callers of class `name` hear: its upload, or the built-in melody for `default`."""
    music.check_class_name(name)
    uploaded = store.get_prompt(admin.db, music.prompt_name(name))
    if uploaded is not None:
        return store.prompt_path(admin.data_dir, uploaded.name)
    if name == music.DEFAULT_CLASS:
        return music.default_melody(admin.data_dir)
    raise NotFound(f"music class {name!r} does not exist; see GET /api/music")


def remove(admin: Admin, name: str) -> str:
    """Remove class `name`'s upload; what held callers hear instead. Refused while a route or a queue
    names the class (`default` may always go: the built-in melody takes its place)."""
    music.check_class_name(name)
    if store.get_prompt(admin.db, music.prompt_name(name)) is None:
        what = "has no uploaded music (the built-in melody stays)" if name == music.DEFAULT_CLASS \
            else "does not exist"
        raise NotFound(f"music class {name!r} {what}; see `minipbx moh list`")
    users = music.classes_in_use(admin.db, name)
    if users and name != music.DEFAULT_CLASS:
        raise music.MusicError(f"music class {name} is still used by {', '.join(users)}; "
                               "choose another class for those first")
    store.remove_prompt(admin.db, admin.data_dir, music.prompt_name(name))
    admin.audit("music.remove", name=name)
    return "the built-in melody" if name == music.DEFAULT_CLASS else f"class {music.DEFAULT_CLASS}"
