"""/api/voicemail: a mailbox's messages, played, marked heard, deleted, and its settings (PIN,
e-mail delivery, language). One's own mailbox, or every mailbox with `voicemail`."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from firmware.access.permissions import Permission
from firmware.admin import voicemail
from firmware.admin.errors import NotFound
from firmware.api.auth import Principal, Who, admin_for, forbidden
from firmware.api.database import Db

router = APIRouter(prefix="/api/voicemail", tags=["voicemail"])


def _own_mailbox(who: Principal, mailbox: str) -> None:
    if not who.may(Permission.VOICEMAIL) and not who.is_self(mailbox):
        raise forbidden(who, Permission.VOICEMAIL)


def _own_message(who: Principal, view: voicemail.MessageView) -> voicemail.MessageView:
    if who.may(Permission.VOICEMAIL) or who.is_self(view.mailbox):
        return view
    # Another's message: as if it did not exist, so ids cannot be probed.
    raise NotFound(f"voicemail message {view.id} does not exist")


@router.get("/{mailbox}", response_model=voicemail.MailboxView, summary="a mailbox's messages, new ones first")
def list_messages(mailbox: str, who: Who, db: Db, request: Request) -> voicemail.MailboxView:
    _own_mailbox(who, mailbox)
    return voicemail.messages(admin_for(who, db, request), mailbox)


@router.get("/{mailbox}/settings", response_model=voicemail.MailboxSettings,
            summary="a mailbox's settings: whether a PIN is set (never the PIN), e-mail delivery, language")
def get_settings(mailbox: str, who: Who, db: Db, request: Request) -> voicemail.MailboxSettings:
    _own_mailbox(who, mailbox)
    return voicemail.settings(admin_for(who, db, request), mailbox)


@router.patch("/{mailbox}/settings", response_model=voicemail.MailboxSettings,
              summary="change a mailbox's PIN, e-mail delivery or language (the next call and message use them)")
def change_settings(mailbox: str, wanted: voicemail.MailboxChange, who: Who, db: Db,
                    request: Request) -> voicemail.MailboxSettings:
    _own_mailbox(who, mailbox)
    return voicemail.change(admin_for(who, db, request), mailbox, wanted)


@router.get("/messages/{message_id}/audio", response_class=FileResponse, summary="the message as a WAV file")
def message_audio(message_id: int, who: Who, db: Db, request: Request) -> FileResponse:
    admin = admin_for(who, db, request)
    _own_message(who, voicemail.message(admin, message_id))
    return FileResponse(voicemail.audio_file(admin, message_id), media_type="audio/wav",
                        filename=f"voicemail-{message_id}.wav")


@router.post("/messages/{message_id}/heard", response_model=voicemail.MessageView,
             summary="mark heard (into the saved folder); the phones' message lamps follow")
def mark_heard(message_id: int, who: Who, db: Db, request: Request) -> voicemail.MessageView:
    admin = admin_for(who, db, request)
    _own_message(who, voicemail.message(admin, message_id))
    return voicemail.mark_heard(admin, message_id)


@router.delete("/messages/{message_id}", status_code=204, summary="delete a message; the phones' lamps follow")
def delete_message(message_id: int, who: Who, db: Db, request: Request) -> Response:
    admin = admin_for(who, db, request)
    _own_message(who, voicemail.message(admin, message_id))
    voicemail.delete(admin, message_id)
    return Response(status_code=204)
