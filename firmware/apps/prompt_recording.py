"""Record from my phone: the PBX calls an extension and what is said there becomes a company greeting.

    POST /api/prompts/{name}/record --> the extension rings (Switch.ring_first)
        --answered--> "record after the tone", beep, recording
        --# / hang-up / prompt_max_seconds--> kept as greeting `name` (the upload's checks)
        --kept--> "recording kept" (if still on the line), released

Unlike *58 and keypad programming (firmware/apps/phone_features.py, record_company_greeting)
there is no PIN and no review menu: the person asked for the call in the web admin, signed in
with the right to change greetings, and hears or replaces the result there. A hang-up keeps
the recording, as answering machines do; a refused one (silent, too long) leaves the old
greeting as it was.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from firmware.apps.context import AppContext
from firmware.apps.session import Session
from firmware.apps.voicemail.store import has_room, recording_path
from firmware.prompts.library import PromptError
from firmware.prompts.upload import save_recording
from firmware.store.settings import get_setting

log = logging.getLogger("minipbx.features")


@dataclass(frozen=True)
class PromptRecording:
    """What a call the PBX made to an extension is for once it answers: record greeting `prompt`.
    Never the result of dialling (the router has no number for it)."""
    prompt: str


async def record_prompt(ctx: AppContext, session: Session, prompt: str) -> None:
    """Record the person on the line as greeting `prompt`; the call record says whether it was kept."""
    def p(*names: str) -> list[Path]:
        return [ctx.prompts.system(name, session.info.language) for name in names]

    if not has_room(ctx.db, ctx.data_dir):
        session.note("feature", f"greeting {prompt} not recorded: the data partition is full")
        await session.play(p("cannot-record"), interruptible=False)
        return
    max_seconds = int(str(get_setting(ctx.db, "prompt_max_seconds")))
    await session.play(p("record-after-tone"), interruptible=False)
    await session.tone("beep", 0.5)
    recording = await session.record(recording_path(ctx.data_dir, session.info.caller), max_seconds)
    if recording.error:
        log.warning("greeting %s from extension %s not recorded: %s", prompt, session.info.caller, recording.error)
        session.note("feature", f"greeting {prompt} not recorded: {recording.error}")
        recording.path.unlink(missing_ok=True)
        return
    try:
        kept = save_recording(ctx.db, ctx.data_dir, prompt, recording.path)
    except PromptError as exc:
        log.info("greeting %s from extension %s refused: %s", prompt, session.info.caller, exc)
        session.note("feature", f"greeting {prompt} not changed: {exc}")
        if not session.gone:
            await session.play(p("recording-too-short"), interruptible=False)
        return
    session.note("feature", f"greeting {prompt} recorded ({kept.seconds:.1f} s)")
    if not session.gone:
        await session.play(p("recording-kept"), interruptible=False)
