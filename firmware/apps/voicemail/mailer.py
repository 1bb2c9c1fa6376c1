"""E-mail delivery of voicemail messages, with the recording attached.

The mail server comes from the settings smtp_host, smtp_port, smtp_security (none,
starttls, tls), smtp_user, smtp_password and smtp_from. A message counts as e-mailed
only once the server has accepted it; until then deliver_pending() tries again on
each call, so messages left while the mail server was down go out when it is back.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from firmware.apps.voicemail.store import (
    MailboxError,
    Message,
    delete_message,
    get_message,
    mailbox,
    message_path,
)
from firmware.store.database import write_transaction
from firmware.store.extensions import EMAIL_PATTERN
from firmware.store.settings import get_setting

log = logging.getLogger("minipbx.voicemail.mail")

TIMEOUT_SECONDS = 20.0
# Messages being sent right now, so overlapping deliver_pending() calls never send one twice.
_in_flight: set[tuple[str, int]] = set()


class MailError(RuntimeError):
    """A message that could not be e-mailed; the message is one line naming the reason.

    `per_message` is True when the fault lies with this message (its recipient or content
    was refused, its file is gone) rather than with the server, so others may still go.
    """

    def __init__(self, reason: str, *, per_message: bool = False) -> None:
        super().__init__(reason)
        self.per_message = per_message


@dataclass(frozen=True)
class _Server:
    host: str
    port: int
    security: str
    user: str
    password: str = field(repr=False)
    sender: str

    @property
    def where(self) -> str:
        return f"mail server {self.host}:{self.port}"


@dataclass(frozen=True)
class _Outgoing:
    server: _Server
    message: Message
    to: str
    attach: bool
    delete_after: bool
    audio: Path
    zone: str


def _server(db: sqlite_utils.Database) -> _Server:
    host = str(get_setting(db, "smtp_host")).strip()
    if not host:
        raise MailError("no mail server is set; `minipbx config set smtp_host mail.example.com`")
    sender = str(get_setting(db, "smtp_from")).strip()
    if not EMAIL_PATTERN.fullmatch(parseaddr(sender)[1]):
        raise MailError(f"smtp_from = {sender!r} is not an e-mail address; "
                        "`minipbx config set smtp_from voicemail@example.com`")
    return _Server(host=host, port=int(str(get_setting(db, "smtp_port"))),
                   security=str(get_setting(db, "smtp_security")), user=str(get_setting(db, "smtp_user")),
                   password=str(get_setting(db, "smtp_password")), sender=sender)


def _prepare(db: sqlite_utils.Database, data_dir: Path, message: Message) -> _Outgoing:
    """Everything sending needs from the database, read in the caller's thread."""
    server = _server(db)
    try:
        box = mailbox(db, message.mailbox)
    except MailboxError as exc:
        raise MailError(str(exc), per_message=True) from None
    if not box.email:
        raise MailError(f"mailbox {box.number} has no e-mail address; "
                        f"`minipbx voicemail email {box.number} ADDRESS`", per_message=True)
    return _Outgoing(server=server, message=message, to=box.email, attach=box.attach,
                     delete_after=box.delete_after_email, audio=message_path(data_dir, message),
                     zone=str(get_setting(db, "timezone")))


def subject(message: Message) -> str:
    """e.g. "Voicemail from 0301234567 (Jane Doe), 12 s"."""
    who = message.caller or "an unknown caller"
    if message.caller_name:
        who += f" ({message.caller_name})"
    return f"Voicemail from {who}, {round(message.seconds)} s"


def _compose(out: _Outgoing) -> EmailMessage:
    message = out.message
    local = message.received_at.astimezone(ZoneInfo(out.zone))
    caller = message.caller or "unknown"
    if message.caller_name:
        caller += f" ({message.caller_name})"
    lines = [
        f"New voicemail in mailbox {message.mailbox}.",
        "",
        f"From:     {caller}",
        f"Received: {local:%Y-%m-%d %H:%M:%S} ({out.zone})",
        f"Length:   {round(message.seconds)} s",
        "",
        "The recording is attached." if out.attach else "Listen to it from your phone.",
    ]
    mail = EmailMessage()
    mail["Subject"] = subject(message)
    mail["From"] = out.server.sender
    mail["To"] = out.to
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = make_msgid("voicemail", domain=parseaddr(out.server.sender)[1].rpartition("@")[2])
    mail.set_content("\n".join(lines) + "\n")
    if out.attach:
        try:
            audio = out.audio.read_bytes()
        except OSError as exc:
            raise MailError(f"voicemail {message.id}: its recording cannot be read ({exc.strerror or exc})",
                            per_message=True) from None
        mail.add_attachment(audio, maintype="audio", subtype="wav",
                            filename=f"voicemail-{message.mailbox}-{local:%Y%m%d-%H%M%S}.wav")
    return mail


def _transmit(out: _Outgoing) -> None:
    """Hand the mail to the server (blocking; deliver_pending runs it in a thread)."""
    _send(out.server, _compose(out), out.to)


def _send(server: _Server, mail: EmailMessage, to: str) -> None:
    try:
        smtp: smtplib.SMTP
        if server.security == "tls":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        with smtp:
            smtp.ehlo()
            if server.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if server.user:
                smtp.login(server.user, server.password)
            smtp.send_message(mail, from_addr=parseaddr(server.sender)[1], to_addrs=[to])
    except (OSError, smtplib.SMTPException) as exc:
        error = _explain(exc, server, to)
        if server.password:
            error = MailError(str(error).replace(server.password, "***"), per_message=error.per_message)
        raise error from None


def mail_server(db: sqlite_utils.Database) -> _Server:
    """The configured mail server, for other mail than voicemail (recordings); MailError if unset."""
    return _server(db)


def send_mail(server: _Server, mail: EmailMessage, to: str) -> None:
    """Hand a composed mail to the server (blocking: run it in a thread); MailError with the reason."""
    _send(server, mail, to)


def send_text_mail(db: sqlite_utils.Database, to: str, subject_line: str, body: str) -> None:
    """A plain-text e-mail through the same mail server (blocking), e.g. a new SIP account's
    setup details; MailError with the reason."""
    server = _server(db)
    mail = EmailMessage()
    mail["Subject"] = subject_line
    mail["From"] = server.sender
    mail["To"] = to
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = make_msgid("minipbx", domain=parseaddr(server.sender)[1].rpartition("@")[2])
    mail.set_content(body)
    _send(server, mail, to)


def _said(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {' '.join(text.split())}"


def _explain(exc: BaseException, server: _Server, to: str) -> MailError:
    """One line a person can act on. smtplib and ssl errors are OSErrors too: most specific first."""
    where = server.where
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailError(f"{where} refused the login of user {server.user!r} ({_said(exc)}); "
                         "check smtp_user and smtp_password")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        said = "; ".join(f"{code} {text.decode('utf-8', 'replace')}" for code, text in exc.recipients.values())
        return MailError(f"{where} refused the recipient {to} ({said})", per_message=True)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return MailError(f"{where} refused the sender {server.sender} ({_said(exc)}); check smtp_from")
    if isinstance(exc, smtplib.SMTPDataError):
        return MailError(f"{where} refused the message ({_said(exc)})", per_message=True)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        if "STARTTLS" in str(exc):
            return MailError(f"{where} does not offer STARTTLS; set smtp_security to tls (port 465) or none")
        if "AUTH" in str(exc):
            return MailError(f"{where} does not offer a login (AUTH) on this connection; "
                             "use smtp_security starttls or tls, or clear smtp_user")
        return MailError(f"{where}: {exc}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailError(f"{where} closed the connection unexpectedly")
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailError(f"{where} answered {_said(exc)}")
    if isinstance(exc, smtplib.SMTPException):
        return MailError(f"{where}: {exc}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(f"{where}: its TLS certificate is not trusted ({exc.verify_message})")
    if isinstance(exc, ssl.SSLError):
        return MailError(f"{where}: TLS failed ({exc.reason or exc}); is smtp_security "
                         f"({server.security}) right for port {server.port}?")
    if isinstance(exc, socket.gaierror):
        return MailError(f"{where} is unreachable: host name {server.host!r} not found")
    if isinstance(exc, ConnectionRefusedError):
        return MailError(f"{where} is unreachable: connection refused (is it running? is the port right?)")
    if isinstance(exc, TimeoutError):
        return MailError(f"{where} is unreachable: no answer within {TIMEOUT_SECONDS:g} s")
    if isinstance(exc, OSError):
        return MailError(f"{where} is unreachable: {exc.strerror or exc}")
    return MailError(f"{where}: {exc}")


def _finish(db: sqlite_utils.Database, data_dir: Path, out: _Outgoing) -> None:
    message = out.message
    if out.delete_after:
        # It may have been deleted from a phone while the mail was going out.
        with contextlib.suppress(MailboxError):
            delete_message(db, data_dir, message.id)
        log.info("voicemail %d of %s e-mailed to %s and deleted", message.id, message.mailbox, out.to)
        return
    with write_transaction(db):
        db.execute("UPDATE vm_messages SET emailed = 1 WHERE id = ?", [message.id])
    log.info("voicemail %d of %s e-mailed to %s", message.id, message.mailbox, out.to)


def send_message_mail(db: sqlite_utils.Database, data_dir: Path, message: Message) -> None:
    """E-mail one message to its mailbox's address now (blocking), then mark it e-mailed, or
    delete it when the mailbox says so. Raises MailError with the reason."""
    out = _prepare(db, data_dir, message)
    _transmit(out)
    _finish(db, data_dir, out)


async def deliver_pending(db: sqlite_utils.Database, data_dir: Path,
                          on_deleted: Callable[[Message], None] | None = None) -> int:
    """E-mail every message not yet e-mailed whose mailbox has an address; return how many went.

    `on_deleted` is told of each message deleted after its e-mail (delete_after_email), so
    the mailbox's message-waiting lamp can follow.

    Safe to call often and overlapping. Does nothing while no mail server is set. A server
    that cannot be reached ends the round (the rest wait for the next call); a message the
    server refuses is logged and skipped. The database is used only in this thread; the
    SMTP exchange runs in a worker thread.
    """
    if not str(get_setting(db, "smtp_host")).strip():
        return 0
    ids = [row[0] for row in db.execute(
        "SELECT m.id FROM vm_messages m JOIN mailboxes b ON b.number = m.mailbox "
        "JOIN extensions e ON e.number = m.mailbox WHERE m.emailed = 0 AND b.email != '' ORDER BY m.id").fetchall()]
    sent = 0
    store = str(data_dir.resolve())
    for message_id in ids:
        key = (store, message_id)
        if key in _in_flight:
            continue
        _in_flight.add(key)
        try:
            try:
                message = get_message(db, message_id)
            except MailboxError:
                continue  # deleted meanwhile
            if message.emailed:
                continue
            out = _prepare(db, data_dir, message)
            await asyncio.to_thread(_transmit, out)
            _finish(db, data_dir, out)
            sent += 1
            if out.delete_after and on_deleted is not None:
                on_deleted(message)
        except MailError as exc:
            log.warning("voicemail %d not e-mailed: %s", message_id, exc)
            if not exc.per_message:
                break
        finally:
            _in_flight.discard(key)
    return sent
