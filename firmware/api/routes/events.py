"""/api/events: the live call events as server-sent events (text/event-stream), for a CRM's
screen pop or a wallboard: call.ringing, call.answered, call.transferred,
call.ended, call.missed.

Each client gets its own watch on the brain's control socket (firmware/brain/control.py);
the brain drops a watcher that falls behind, so a slow client never holds calls up. With
`live_calls` a client sees every call; a user, the calls their extension is in.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from firmware.access.permissions import Permission
from firmware.admin.brain import control_socket
from firmware.api.auth import Who, forbidden
from firmware.brain.control import ControlError
from firmware.webhooks.events import PROGRESS_EVENTS, CallEvent, CallProgress

router = APIRouter(prefix="/api", tags=["live calls"])

# A comment line this often keeps proxies and idle-closing clients from dropping a quiet stream.
KEEPALIVE_SECONDS = 15.0
# What an EventSource waits before it reconnects (after the PBX restarted, say).
RETRY_MS = 2000


class Watched(BaseModel):
    """One line from the brain's watch: the event's name and its body (a CallProgress or CallEvent)."""
    event: str
    body: dict[str, object]

    def parsed(self) -> CallProgress | CallEvent:
        if self.event in PROGRESS_EVENTS:
            return CallProgress.model_validate(self.body)
        return CallEvent.model_validate(self.body)


def _concerns(event: CallProgress | CallEvent, number: str) -> bool:
    if isinstance(event, CallProgress):
        return number in (event.caller, event.called, event.extension, event.transferred_by)
    return number in (event.caller, event.called, event.answered_by)


async def _watch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 own: str | None) -> AsyncIterator[str]:
    try:
        yield f"retry: {RETRY_MS}\n: watching call events\n\n"
        while True:
            try:
                line = await asyncio.wait_for(reader.readline(), KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if not line:
                # The brain stopped (or restarts): say so; the client reconnects after `retry`.
                yield "event: pbx.stopped\ndata: {}\n\n"
                return
            watched = Watched.model_validate_json(line)
            if watched.event == "watching":
                continue
            event = watched.parsed()
            if own is not None and not _concerns(event, own):
                continue
            yield f"event: {event.event}\ndata: {event.model_dump_json()}\n\n"
    finally:
        writer.close()


@router.get("/events", response_class=StreamingResponse,
            summary="live call events, as server-sent events (all with `live_calls`; else the caller's own)",
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "`event: call.ringing` + `data: {json}` blocks (docs/http-api.md)"}})
async def call_events(who: Who, request: Request) -> StreamingResponse:
    if not who.may(Permission.LIVE_CALLS) and who.login is None:
        raise forbidden(who, Permission.LIVE_CALLS)
    own = None if who.may(Permission.LIVE_CALLS) else who.login
    path = control_socket(request.app.state.config.data_dir)
    try:
        reader, writer = await asyncio.open_unix_connection(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        raise ControlError("minipbx is not running for this data directory", "not_running") from None
    writer.write(json.dumps({"cmd": "watch"}).encode() + b"\n")
    return StreamingResponse(_watch(reader, writer, own), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
