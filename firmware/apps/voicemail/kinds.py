"""The voicemail destinations: `voicemail:NUMBER` leaves a message, `vmaccess` listens to them."""
from __future__ import annotations

from firmware.apps.context import AppContext
from firmware.apps.destinations import DestinationKind, Target
from firmware.apps.session import Next, Session
from firmware.apps.voicemail.access import check_messages
from firmware.apps.voicemail.leave import leave_message


async def _leave(ctx: AppContext, session: Session, number: str, reason: str) -> Next | None:
    await leave_message(ctx, session, number, reason)
    return None


async def _listen(ctx: AppContext, session: Session, target: str, reason: str) -> Next | None:
    await check_messages(ctx, session, None)
    return None


DESTINATION_KINDS = (
    DestinationKind("voicemail", Target.DIGITS, "voicemail:NUMBER", exists="SELECT 1 FROM extensions WHERE number = ?",
                    choices="SELECT number, name FROM extensions ORDER BY number",
                    missing="no mailbox {}: there is no such extension", app=_leave),
    DestinationKind("vmaccess", Target.NONE, "vmaccess", app=_listen),
)
