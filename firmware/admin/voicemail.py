"""Mailboxes: their settings (PIN, e-mail delivery, language; the CLI, the HTTP API and the web
admin change them here, keypad programming the PIN); messages listed, played, marked heard and
deleted (the HTTP API and the web admin).

The running PBX reads a mailbox's settings from the store at each call and each e-mail, so a
change applies to the next caller and the next message without telling it."""
from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.brain import control_socket
from firmware.admin.context import Admin, change_detail
from firmware.admin.errors import NotFound
from firmware.apps.voicemail import store
from firmware.brain.control import ControlError, MailboxChanged, ask
from firmware.pins.guard import PinError, check_pin_format
from firmware.prompts.catalog import LANGUAGES

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


class MailboxSettings(BaseModel):
    """A mailbox's settings; its PIN only as whether one is set, never the digits."""
    number: str
    has_pin: bool = Field(description="false: only the owner's own phone gets in (no listening from others)")
    email: str = Field(description="new messages are e-mailed here ('' = not e-mailed)")
    attach: bool = Field(description="the audio goes with the e-mail (else the e-mail only tells)")
    delete_after_email: bool = Field(description="a message is deleted once e-mailed")
    language: str = Field(description=f"the language its menu speaks: {', '.join(LANGUAGES)} ('' = the "
                                      "caller's, else the system's)")


class MailboxChange(BaseModel):
    """Changes what is given (fields left out are kept)."""
    model_config = ConfigDict(extra="forbid")
    pin: str | None = Field(default=None, description="4 to 10 digits, not repeated or consecutive ones; "
                                                      "for listening from another phone")
    email: str | None = Field(default=None, description="name@example.com, or '' to stop e-mailing")
    attach: bool | None = None
    delete_after_email: bool | None = Field(default=None, description="needs an e-mail address and the audio "
                                                                      "attached")
    language: str | None = Field(default=None, description=f"{', '.join(LANGUAGES)}, or '' for the caller's")


def _settings(box: store.Mailbox) -> MailboxSettings:
    return MailboxSettings(number=box.number, has_pin=box.has_pin, email=box.email, attach=box.attach,
                           delete_after_email=box.delete_after_email, language=box.language)


def _check_pin(pin: str) -> None:
    try:
        check_pin_format(pin)
    except PinError as exc:
        # Named, as every refused value is; the one asking typed it and alone sees the answer.
        raise PinError(str(exc) if pin in str(exc) else f"PIN {pin!r} is not accepted: {exc}") from None


def settings(admin: Admin, number: str) -> MailboxSettings:
    return _settings(_mailbox(admin, number))


def change(admin: Admin, number: str, wanted: MailboxChange) -> MailboxSettings:
    """Apply the given settings; a bad value (PinError, MailboxError naming it and what is
    accepted) is refused before anything is written."""
    if wanted.pin is not None:
        _check_pin(wanted.pin)
    if wanted.language is not None:
        store.check_language(wanted.language)
    if wanted.email is not None:
        store.check_email(wanted.email)
    box = _mailbox(admin, number)
    if {"email", "attach", "delete_after_email"} & wanted.model_fields_set:
        # The e-mail fields are checked together (deleting needs an address and the audio), then written.
        store.set_email(admin.db, number, box.email if wanted.email is None else wanted.email,
                        attach=box.attach if wanted.attach is None else wanted.attach,
                        delete_after_email=(box.delete_after_email if wanted.delete_after_email is None
                                            else wanted.delete_after_email))
    if wanted.language is not None:
        store.set_language(admin.db, number, wanted.language)
    if wanted.pin is not None:
        store.set_pin(admin.db, number, wanted.pin)
    admin.audit("voicemail.settings", number=number, **change_detail(wanted))
    return settings(admin, number)


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
    except store.MailboxError as exc:
        raise NotFound(str(exc)) from None


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
