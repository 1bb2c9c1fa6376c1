"""Which call application serves a destination (feature codes: apps/phone_features.py)."""
from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from firmware.apps.context import AppContext
from firmware.apps.destinations import parse_destination
from firmware.apps.ivr.menu import run_menu
from firmware.apps.session import Next, Session
from firmware.apps.voicemail.access import check_messages
from firmware.apps.voicemail.leave import leave_message
from firmware.conference.app import conference


def app_for_destination(ctx: AppContext, session: Session, destination: str,
                        reason: str = "unavailable") -> Coroutine[Any, Any, Next | None]:
    """The app for ivr:, voicemail:, vmaccess and conf: destinations (others are not apps)."""
    parsed = parse_destination(destination)
    if parsed.kind == "conf" and ctx.rooms is not None:
        return conference(ctx, session, parsed.target, ctx.rooms)
    if parsed.kind == "ivr":
        return run_menu(ctx, session, parsed.target)
    if parsed.kind == "voicemail":
        return _none(leave_message(ctx, session, parsed.target, reason))
    if parsed.kind == "vmaccess":
        return _none(check_messages(ctx, session, None))
    raise ValueError(f"{destination} is not served by an app")


async def _none(coro: Coroutine[Any, Any, None]) -> Next | None:
    await coro
    return None
