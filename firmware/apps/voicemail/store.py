"""Mailboxes, voicemail messages and greetings.

Every extension has a mailbox (its row is made on first use). Audio lives under
<data_dir>/voicemail/<mailbox>/: messages as msg-<time>-<random>.wav, greetings as
greeting-<kind>.wav, recordings in progress in tmp/. The database holds one row per
message with the file name relative to <data_dir>/voicemail.

Crash safety: a message file is complete (fsynced) before it is renamed into place,
and its row is written only after that, so a row never points at a missing or
half-written file. What a crash can leave behind - a recording in tmp/, a message
file whose row was not yet written, a row whose file was deleted just before the
crash - is put right by sweep() at start.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import wave
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from firmware.pins.guard import Guesser, hash_pin, try_pin_off_loop
from firmware.prompts.catalog import LANGUAGES
from firmware.store.database import write_transaction
from firmware.store.extensions import EMAIL_PATTERN
from firmware.store.settings import get_setting

log = logging.getLogger("minipbx.voicemail")

VOICEMAIL_DIR = "voicemail"
FOLDERS = ("new", "saved")
GREETING_KINDS = ("unavailable", "busy", "name")
SAMPLE_RATE = 8000
MIN_SECONDS = 1.0
_MAILBOX = re.compile(r"[0-9]{1,24}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MailboxError(ValueError):
    """No such mailbox or message, or a value that is not accepted; the message says which."""


class RecordingError(MailboxError):
    """A recording that cannot be kept (unreadable, not 8 kHz mono, too short, no room)."""


@dataclass(frozen=True)
class Mailbox:
    number: str
    email: str  # '' = no e-mail delivery
    attach: bool
    delete_after_email: bool
    language: str  # '' = the system language
    has_pin: bool  # False: only the owner's own phone gets in (no remote login)


@dataclass(frozen=True)
class Message:
    id: int
    mailbox: str
    caller: str  # '' = unknown
    caller_name: str
    received_at: datetime  # UTC
    seconds: float
    folder: str  # new, saved
    file: str  # relative to <data_dir>/voicemail
    emailed: bool


# ---- mailboxes -------------------------------------------------------------------------
def mailbox(db: sqlite_utils.Database, number: str) -> Mailbox:
    """The mailbox of an extension, created with defaults on first use."""
    return _open_mailbox(db, number)


def _open_mailbox(db: sqlite_utils.Database, number: str) -> Mailbox:
    # Also under this name: the functions below call their mailbox-number parameter `mailbox`.
    if not db.execute("SELECT 1 FROM extensions WHERE number = ?", [number]).fetchone():
        raise MailboxError(f"no mailbox {number}: there is no such extension; see `ext list`")
    query = "SELECT pin_hash, email, attach, delete_after_email, language FROM mailboxes WHERE number = ?"
    row = db.execute(query, [number]).fetchone()
    if row is None:
        with write_transaction(db):
            db.execute("INSERT OR IGNORE INTO mailboxes (number) VALUES (?)", [number])
        row = db.execute(query, [number]).fetchone()
    pin_hash, email, attach, delete_after_email, language = row
    return Mailbox(number=number, email=email or "", attach=bool(attach), delete_after_email=bool(delete_after_email),
                   language=language or "", has_pin=bool(pin_hash))


def set_pin(db: sqlite_utils.Database, number: str, pin: str) -> None:
    """Set the mailbox PIN; raises firmware.pins.guard.PinError for one that is malformed or too easy."""
    set_pin_hash(db, number, hash_pin(pin))


def set_pin_hash(db: sqlite_utils.Database, number: str, stored: str) -> None:
    """Store a PIN hashed by firmware.pins.guard.hash_pin (a call hashes it off the event loop)."""
    mailbox(db, number)
    with write_transaction(db):
        db.execute("UPDATE mailboxes SET pin_hash = ? WHERE number = ?", [stored, number])


def check_email(email: str) -> str:
    """The address without surrounding blanks; MailboxError for one that is not an address."""
    email = email.strip()
    if email and not EMAIL_PATTERN.fullmatch(email):
        raise MailboxError(f"e-mail {email!r} is not an address; use name@example.com (or '' for none)")
    return email


def set_email(db: sqlite_utils.Database, number: str, email: str, attach: bool = True,
              delete_after_email: bool = False) -> Mailbox:
    """Where new messages are e-mailed ('' = nowhere), with or without the audio, kept or deleted after."""
    email = check_email(email)
    if delete_after_email and not email:
        raise MailboxError(f"mailbox {number}: deleting messages after e-mail needs an e-mail address")
    if delete_after_email and not attach:
        raise MailboxError(f"mailbox {number}: deleting messages after e-mail needs the audio attached, "
                           "or the message would be lost")
    mailbox(db, number)
    with write_transaction(db):
        db.execute("UPDATE mailboxes SET email = ?, attach = ?, delete_after_email = ? WHERE number = ?",
                   [email, int(attach), int(delete_after_email), number])
    return mailbox(db, number)


def check_language(language: str) -> str:
    if language and language not in LANGUAGES:
        raise MailboxError(f"language {language!r} has no prompts; use one of: {', '.join(LANGUAGES)} "
                           "(or '' for the caller's)")
    return language


def set_language(db: sqlite_utils.Database, number: str, language: str) -> Mailbox:
    """The language its menu speaks to the owner ('' = the caller's, else the system's)."""
    check_language(language)
    mailbox(db, number)
    with write_transaction(db):
        db.execute("UPDATE mailboxes SET language = ? WHERE number = ?", [language, number])
    return mailbox(db, number)


async def check_pin(db: sqlite_utils.Database, number: str, pin: str, guesser: Guesser,
                    now: datetime | None = None) -> bool:
    """True if `pin` opens the mailbox for this caller; compared off the event loop.

    Wrong PINs lock the caller's number, its trunk or device, and after enough of them from
    anywhere the mailbox, out for a growing time (firmware.pins.guard). A mailbox without a
    PIN, and a number that has no mailbox, refuse every PIN; those attempts count as failures
    too, so they lock a guesser out the same way.
    """
    row = db.execute("SELECT b.pin_hash FROM mailboxes b JOIN extensions e ON e.number = b.number "
                     "WHERE b.number = ?", [number]).fetchone()
    return await try_pin_off_loop(db, mailbox_scope(number), guesser, row[0] if row else "", pin, now)


def mailbox_scope(number: str) -> str:
    """The guard's target for a mailbox's PIN."""
    return f"voicemail:{number}"


# ---- audio files ---------------------------------------------------------------------------
def _mailbox_dir(data_dir: Path, number: str) -> Path:
    # The number becomes a directory name: digits only, never a path.
    if not _MAILBOX.fullmatch(number):
        raise MailboxError(f"mailbox {number!r} is not valid; a mailbox is an extension number (digits)")
    return data_dir / VOICEMAIL_DIR / number


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def wav_seconds(path: Path) -> float:
    """Length of a recording, checked to be 8 kHz mono PCM with at least MIN_SECONDS of audio.

    Counts the audio actually in the file, not what its header claims (a recording cut
    short may have a header written before the data).
    """
    try:
        with wave.open(str(path), "rb") as w:
            rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            if rate != SAMPLE_RATE or channels != 1:
                raise RecordingError(f"recording {path.name} is {rate} Hz with {channels} channel(s); "
                                     f"8000 Hz mono is accepted")
            frames = 0
            while chunk := w.readframes(SAMPLE_RATE):
                frames += len(chunk) // width
    except (wave.Error, EOFError, OSError) as exc:
        raise RecordingError(f"recording {path.name} is not a readable WAV file ({exc})") from None
    seconds = frames / SAMPLE_RATE
    if seconds < MIN_SECONDS:
        raise RecordingError(f"recording {path.name} is {seconds:.2f} s long; at least {MIN_SECONDS:g} s is kept")
    return seconds


def has_room(db: sqlite_utils.Database, data_dir: Path) -> bool:
    """Whether the data partition has more free space than min_free_mb, so recording may start."""
    free = shutil.disk_usage(data_dir).free
    return free >= int(str(get_setting(db, "min_free_mb"))) * 1024 * 1024


def recording_path(data_dir: Path, mailbox: str) -> Path:
    """A fresh path to record a message or greeting to (in the mailbox's tmp/, made if missing)."""
    tmp = _mailbox_dir(data_dir, mailbox) / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return tmp / f"rec-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.wav"


def _place(source: Path, target: Path, *, copy: bool) -> None:
    """Put a complete, fsynced copy of `source` at `target` in one rename (moved unless `copy`).

    A copy, and a move from another file system, goes through the target mailbox's tmp/
    first, so what appears under the final name is always whole.
    """
    tmp_dir = target.parent / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    staged = source
    if copy or os.stat(source).st_dev != os.stat(tmp_dir).st_dev:
        staged = tmp_dir / f"copy-{secrets.token_hex(6)}.wav"
        shutil.copyfile(source, staged)
    _fsync(staged)
    os.replace(staged, target)
    _fsync(target.parent)
    if staged != source and not copy:
        source.unlink()


def _sanitize(text: str) -> str:
    # Caller names come from the network; no line breaks or control codes into mails and tables.
    return _CONTROL.sub(" ", text).strip()[:80]


# ---- messages ------------------------------------------------------------------------------
_COLUMNS = "id, mailbox, caller, caller_name, received_at, seconds, folder, file, emailed"


def _message(row: Any) -> Message:
    id_, mailbox_, caller, caller_name, received_at, seconds, folder, file, emailed = row
    return Message(id=int(id_), mailbox=str(mailbox_), caller=caller or "", caller_name=caller_name or "",
                   received_at=datetime.fromisoformat(received_at), seconds=float(seconds), folder=folder,
                   file=file, emailed=bool(emailed))


def get_message(db: sqlite_utils.Database, message_id: int) -> Message:
    row = db.execute(f"SELECT {_COLUMNS} FROM vm_messages WHERE id = ?", [message_id]).fetchone()
    if row is None:
        raise MailboxError(f"voicemail message {message_id} does not exist")
    return _message(row)


def message_path(data_dir: Path, message: Message) -> Path:
    return data_dir / VOICEMAIL_DIR / message.file


def _new_file_name(directory: Path) -> Path:
    while True:
        path = directory / f"msg-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}.wav"
        if not path.exists():
            return path


def _insert(db: sqlite_utils.Database, mailbox: str, caller: str, caller_name: str, received_at: datetime,
            seconds: float, file: str) -> Message:
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO vm_messages (mailbox, caller, caller_name, received_at, seconds, folder, file, emailed) "
            "VALUES (?, ?, ?, ?, ?, 'new', ?, 0)",
            [mailbox, caller, caller_name, received_at.isoformat(timespec="seconds"), round(seconds, 2), file])
        message_id = cursor.lastrowid
    assert message_id is not None
    return get_message(db, message_id)


def store_message(db: sqlite_utils.Database, data_dir: Path, mailbox: str, caller: str, caller_name: str,
                  recorded: Path) -> Message | None:
    """Keep a finished recording as a new message; None (and the recording deleted) if it is
    unreadable, not 8 kHz mono, or shorter than MIN_SECONDS."""
    try:
        _open_mailbox(db, mailbox)
    except MailboxError:
        recorded.unlink(missing_ok=True)
        raise
    try:
        seconds = wav_seconds(recorded)
    except RecordingError as exc:
        log.info("voicemail for %s not kept: %s", mailbox, exc)
        recorded.unlink(missing_ok=True)
        return None
    target = _new_file_name(_mailbox_dir(data_dir, mailbox))
    _place(recorded, target, copy=False)
    message = _insert(db, mailbox, _sanitize(caller), _sanitize(caller_name), datetime.now(UTC), seconds,
                      f"{mailbox}/{target.name}")
    log.info("voicemail %d for %s from %s, %.1f s", message.id, mailbox, message.caller or "unknown", seconds)
    return message


def messages(db: sqlite_utils.Database, mailbox: str, folder: str) -> list[Message]:
    """Messages of a folder (new or saved), oldest first."""
    _check_folder(folder)
    rows = db.execute(f"SELECT {_COLUMNS} FROM vm_messages WHERE mailbox = ? AND folder = ? "
                      "ORDER BY received_at, id", [mailbox, folder]).fetchall()
    return [_message(row) for row in rows]


def _check_folder(folder: str) -> None:
    if folder not in FOLDERS:
        raise MailboxError(f"folder {folder!r} is not known; use one of: {', '.join(FOLDERS)}")


def counts(db: sqlite_utils.Database, mailbox: str) -> tuple[int, int]:
    """(new, saved) message counts."""
    found = dict(db.execute("SELECT folder, COUNT(*) FROM vm_messages WHERE mailbox = ? GROUP BY folder",
                            [mailbox]).fetchall())
    return int(found.get("new", 0)), int(found.get("saved", 0))


def save_message(db: sqlite_utils.Database, message_id: int) -> Message:
    """Move a message to the saved folder."""
    get_message(db, message_id)
    with write_transaction(db):
        db.execute("UPDATE vm_messages SET folder = 'saved' WHERE id = ?", [message_id])
    return get_message(db, message_id)


def delete_message(db: sqlite_utils.Database, data_dir: Path, message_id: int) -> None:
    """Delete a message's file and row (the file first: a crash in between leaves a row the
    sweep removes, never a file that comes back as a message)."""
    message = get_message(db, message_id)
    message_path(data_dir, message).unlink(missing_ok=True)
    with write_transaction(db):
        db.execute("DELETE FROM vm_messages WHERE id = ?", [message_id])
    log.info("voicemail %d of %s deleted", message_id, message.mailbox)


def forward_message(db: sqlite_utils.Database, data_dir: Path, message_id: int, to_mailbox: str) -> Message:
    """Copy a message into another mailbox's new folder (caller, time and length kept)."""
    message = get_message(db, message_id)
    _open_mailbox(db, to_mailbox)
    if to_mailbox == message.mailbox:
        raise MailboxError(f"voicemail message {message_id} is already in mailbox {to_mailbox}")
    if not has_room(db, data_dir):
        raise RecordingError(f"not enough free space on the data partition to forward message {message_id} "
                             f"(min_free_mb is {get_setting(db, 'min_free_mb')})")
    target = _new_file_name(_mailbox_dir(data_dir, to_mailbox))
    _place(message_path(data_dir, message), target, copy=True)
    forwarded = _insert(db, to_mailbox, message.caller, message.caller_name, message.received_at, message.seconds,
                        f"{to_mailbox}/{target.name}")
    log.info("voicemail %d of %s forwarded to %s as %d", message_id, message.mailbox, to_mailbox, forwarded.id)
    return forwarded


# ---- greetings -------------------------------------------------------------------------------
def _greeting_file(data_dir: Path, mailbox: str, kind: str) -> Path:
    if kind not in GREETING_KINDS:
        raise MailboxError(f"greeting {kind!r} is not known; use one of: {', '.join(GREETING_KINDS)}")
    return _mailbox_dir(data_dir, mailbox) / f"greeting-{kind}.wav"


def greeting_path(data_dir: Path, mailbox: str, kind: str) -> Path | None:
    """The mailbox's own greeting of this kind (unavailable, busy, name), None if not recorded."""
    path = _greeting_file(data_dir, mailbox, kind)
    return path if path.exists() else None


def save_greeting(db: sqlite_utils.Database, data_dir: Path, mailbox: str, kind: str, recorded: Path) -> Path:
    """Replace a greeting with a recording in one step (callers hear the old or the new one,
    never half of one). Raises RecordingError (and deletes the recording) when it is not
    acceptable or the data partition is short of space."""
    try:
        _open_mailbox(db, mailbox)
        target = _greeting_file(data_dir, mailbox, kind)
        if not has_room(db, data_dir):
            raise RecordingError(f"not enough free space on the data partition for a new greeting "
                                 f"(min_free_mb is {get_setting(db, 'min_free_mb')})")
        wav_seconds(recorded)
    except MailboxError:
        recorded.unlink(missing_ok=True)
        raise
    _place(recorded, target, copy=False)
    log.info("mailbox %s: new %s greeting", mailbox, kind)
    return target


def delete_greeting(data_dir: Path, mailbox: str, kind: str) -> bool:
    """Go back to the system greeting of this kind; False if there was no own greeting."""
    path = _greeting_file(data_dir, mailbox, kind)
    if not path.exists():
        return False
    path.unlink()
    return True


# ---- recovery at start -------------------------------------------------------------------------
def sweep(db: sqlite_utils.Database, data_dir: Path) -> None:
    """Put voicemail right after a crash or power cut; call at start, before recording.

    Removes recordings left in tmp/ (cut off mid-call or mid-copy) and rows whose file is
    gone (a delete interrupted between file and row). A complete message file without a
    row (a crash between the rename and the insert) is kept as a new message from an
    unknown caller, timed by its file: the caller's message is not lost.
    """
    root = data_dir / VOICEMAIL_DIR
    rows = db.execute(f"SELECT {_COLUMNS} FROM vm_messages").fetchall()
    known = set()
    for row in rows:
        message = _message(row)
        if message_path(data_dir, message).is_file():
            known.add(message.file)
            continue
        log.warning("voicemail %d of %s: file %s is missing; message removed", message.id, message.mailbox,
                    message.file)
        with write_transaction(db):
            db.execute("DELETE FROM vm_messages WHERE id = ?", [message.id])
    if not root.is_dir():
        return
    for box in sorted(p for p in root.iterdir() if p.is_dir()):
        tmp = box / "tmp"
        if tmp.is_dir():
            for left in sorted(tmp.iterdir()):
                log.warning("voicemail %s: unfinished recording %s removed", box.name, left.name)
                if left.is_dir():
                    shutil.rmtree(left)
                else:
                    left.unlink()
        if not _MAILBOX.fullmatch(box.name):
            continue
        for orphan in sorted(box.glob("msg-*.wav")):
            file = f"{box.name}/{orphan.name}"
            if file in known:
                continue
            try:
                seconds = wav_seconds(orphan)
            except RecordingError as exc:
                log.warning("voicemail %s: %s; removed", box.name, exc)
                orphan.unlink()
                continue
            received = datetime.fromtimestamp(orphan.stat().st_mtime, UTC).replace(microsecond=0)
            message = _insert(db, box.name, "", "", received, seconds, file)
            log.warning("voicemail %s: message file %s had no record (interrupted at a crash); kept as "
                        "message %d from an unknown caller", box.name, orphan.name, message.id)
