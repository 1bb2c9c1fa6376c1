"""Mailboxes: the PIN (the CLI and keypad programming set it here); messages listed, played,
marked heard and deleted (the HTTP API and the web admin)."""
from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import BaseModel, Field

from firmware.admin.brain import control_socket
from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.apps.voicemail import store
from firmware.brain.control import ControlError, MailboxChanged, ask
from firmware.pins.guard import PinError, check_pin_format

GENERATED_PIN_DIGITS = 6


def generate_pin() -> str:
    """A random PIN that check_pin_format accepts (not repeated or consecutive digits)."""
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(GENERATED_PIN_DIGITS))
        try:
            return check_pin_format(pin)
        except PinError:
            continue


def set_pin(admin: Admin, number: str, pin: str | None = None) -> str:
    """Set the mailbox PIN (generated when none is given); returns it. PinError for one that is
    malformed or too easy, MailboxError for a mailbox that does not exist."""
    chosen = generate_pin() if pin is None else pin
    store.set_pin(admin.db, number, chosen)
    admin.audit("voicemail.pin", number=number)
    return chosen


class MessageView(BaseModel):
    id: int
    mailbox: str
    caller: str = Field(description="the caller's number ('' = withheld or unknown)")
    caller_name: str
    received_at: str
    seconds: float
    folder: str = Field(description="new (not heard yet) or saved (heard)")
    emailed: bool


class MailboxView(BaseModel):
    number: str
    new: int
    saved: int
    messages: list[MessageView] = Field(description="new ones first, each folder oldest first")


def _view(message: store.Message) -> MessageView:
    return MessageView(id=message.id, mailbox=message.mailbox, caller=message.caller,
                       caller_name=message.caller_name, received_at=message.received_at.isoformat(),
                       seconds=message.seconds, folder=message.folder, emailed=message.emailed)


def _mailbox(admin: Admin, number: str) -> store.Mailbox:
    try:
        return store.mailbox(admin.db, number)
    except store.MailboxError:
        raise NotFound(f"mailbox {number} does not exist: there is no such extension") from None


def messages(admin: Admin, number: str) -> MailboxView:
    _mailbox(admin, number)
    found = [*store.messages(admin.db, number, "new"), *store.messages(admin.db, number, "saved")]
    new, saved = store.counts(admin.db, number)
    return MailboxView(number=number, new=new, saved=saved, messages=[_view(m) for m in found])


def message(admin: Admin, message_id: int) -> MessageView:
    try:
        return _view(store.get_message(admin.db, message_id))
    except store.MailboxError:
        raise NotFound(f"voicemail message {message_id} does not exist") from None


def audio_file(admin: Admin, message_id: int) -> Path:
    found = message(admin, message_id)
    path = store.message_path(admin.data_dir, store.get_message(admin.db, found.id))
    if not path.exists():
        raise NotFound(f"voicemail message {message_id} has no sound file any more")
    return path


def _lamps(admin: Admin, mailbox: str) -> None:
    """The phones' message-waiting lamps follow at once when the PBX runs (it tells them at start otherwise)."""
    try:
        ask(control_socket(admin.data_dir), MailboxChanged(mailbox=mailbox, by=admin.actor.who))
    except ControlError as exc:
        if exc.kind != "not_running":
            raise


def mark_heard(admin: Admin, message_id: int) -> MessageView:
    """Into the saved folder, as listening to it on the phone does."""
    found = message(admin, message_id)
    saved = _view(store.save_message(admin.db, found.id))
    admin.audit("voicemail.heard", mailbox=found.mailbox, id=found.id)
    _lamps(admin, found.mailbox)
    return saved


def delete(admin: Admin, message_id: int) -> MessageView:
    found = message(admin, message_id)
    store.delete_message(admin.db, admin.data_dir, found.id)
    admin.audit("voicemail.delete", mailbox=found.mailbox, id=found.id)
    _lamps(admin, found.mailbox)
    return found
