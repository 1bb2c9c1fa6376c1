"""Call recordings by e-mail: an extension may have each recording of its conversations mailed to
its address (`minipbx recordings mail 101 on`), through the voicemail mail server (smtp_*).

A finished recording puts one row per such extension into `recording_mail`, an outbox: a
recording counts as mailed only once the server accepted it, so a mail server that is down
gets the mails later (each round of the brain's mail loop retries; a server refusing one
recipient does not hold the others up). An extension without an e-mail address is refused
when the option is set.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

import sqlite_utils

from firmware.apps.voicemail.mailer import MailError, mail_server, send_mail
from firmware.recording import index
from firmware.store.database import write_transaction
from firmware.store.extensions import get_extension
from firmware.store.settings import get_setting

log = logging.getLogger("minipbx.recordings")

# Larger files are not attached (mail servers commonly refuse 25 MB and more); the mail says so.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class RecordingMailError(ValueError):
    """The option cannot be set; the message says why."""


def set_mail(db: sqlite_utils.Database, number: str, on: bool) -> None:
    extension = get_extension(db, number)
    if extension is None:
        raise RecordingMailError(f"extension {number} does not exist; see `ext list`")
    if on and not extension.email:
        raise RecordingMailError(f"extension {number} has no e-mail address; `minipbx ext set {number} --email "
                                 "ADDRESS` first")
    with write_transaction(db):
        if on:
            db.execute("INSERT OR REPLACE INTO recording_mail (extension) VALUES (?)", [number])
        else:
            db.execute("DELETE FROM recording_mail WHERE extension = ?", [number])


def mailed_extensions(db: sqlite_utils.Database) -> list[str]:
    return [str(n) for (n,) in db.execute("SELECT extension FROM recording_mail ORDER BY extension")]


def queue(db: sqlite_utils.Database, row: index.Recording) -> int:
    """Mails for a finished recording, one per extension of it that wants them; how many."""
    wanted = set(mailed_extensions(db))
    queued = 0
    with write_transaction(db):
        for number in row.extensions:
            extension = get_extension(db, number) if number in wanted else None
            if extension is None or not extension.email:
                continue
            db.execute("INSERT INTO recording_outbox (recording_id, address, created_at) VALUES (?, ?, ?)",
                       [row.id, extension.email, datetime.now(UTC).isoformat(timespec="seconds")])
            queued += 1
    return queued


def _compose(data_dir: Path, row: index.Recording, sender: str, to: str) -> EmailMessage:
    path = data_dir / row.path
    mail = EmailMessage()
    mail["Subject"] = f"Call recording: {row.parties}, {round(row.seconds)} s"
    mail["From"] = sender
    mail["To"] = to
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = make_msgid("recording", domain=parseaddr(sender)[1].rpartition("@")[2])
    size = path.stat().st_size if path.exists() else 0
    attach = 0 < size <= MAX_ATTACHMENT_BYTES
    mail.set_content("\n".join([
        f"A recording of your conversation with {row.parties}.", "",
        f"Started: {row.started_at} (UTC)", f"Length:  {round(row.seconds)} s", f"Why:     {row.why}", "",
        "The recording is attached." if attach else
        f"The recording is too large to attach ({size // 1048576} MiB); `minipbx recordings export {row.id}`.",
    ]) + "\n")
    if attach:
        mail.add_attachment(path.read_bytes(), maintype="audio", subtype="wav",
                            filename=f"recording-{row.id}-{row.started_at[:10]}.wav")
    return mail


async def deliver_pending(db: sqlite_utils.Database, data_dir: Path) -> int:
    """Send what the outbox holds; how many went. Nothing while no mail server is set."""
    if not str(get_setting(db, "smtp_host")).strip():
        return 0
    server = mail_server(db)
    pending = db.execute("SELECT id, recording_id, address FROM recording_outbox WHERE sent_at = '' "
                         "ORDER BY id").fetchall()
    sent = 0
    for outbox_id, recording_id, address in pending:
        try:
            row = index.get(db, int(recording_id))
        except index.RecordingNotFound:
            with write_transaction(db):  # removed before it went: nothing to send
                db.execute("DELETE FROM recording_outbox WHERE id = ?", [outbox_id])
            continue
        try:
            mail = _compose(data_dir, row, server.sender, str(address))
            await asyncio.to_thread(send_mail, server, mail, str(address))
        except MailError as exc:
            log.warning("recording %d not e-mailed to %s: %s", row.id, address, exc)
            if not exc.per_message:
                break  # the server is the trouble: the rest wait for the next round
            continue
        with write_transaction(db):
            db.execute("UPDATE recording_outbox SET sent_at = ? WHERE id = ?",
                       [datetime.now(UTC).isoformat(timespec="seconds"), outbox_id])
        sent += 1
    return sent
