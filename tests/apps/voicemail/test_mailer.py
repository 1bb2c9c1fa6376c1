"""Voicemail e-mail through a real SMTP server (aiosmtpd on 127.0.0.1)."""
from __future__ import annotations

import asyncio
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils

from firmware.apps.voicemail.mailer import MailError, deliver_pending, send_message_mail
from firmware.apps.voicemail.store import (
    Message,
    counts,
    get_message,
    message_path,
    messages,
    recording_path,
    set_email,
    store_message,
)
from firmware.store.settings import set_setting
from tests.apps.voicemail.conftest import (
    SMTP_PASSWORD,
    SMTP_USER,
    Certificate,
    MailServers,
    Recorder,
    authenticator,
    free_port,
    use_mail_server,
)
from tests.support.audio import has_tone, load_wav


def leave_message(db: sqlite_utils.Database, data_dir: Path, record: Recorder, box: str = "101",
                  seconds: float = 12.0, hz: float = 1000.0) -> Message:
    message = store_message(db, data_dir, box, "0301234567", "Jane Doe",
                            record(recording_path(data_dir, box), seconds, hz))
    assert message is not None
    return message


def attached_wav(mail: EmailMessage, folder: Path) -> Path:
    [part] = list(mail.iter_attachments())
    assert part.get_content_type() == "audio/wav"
    assert str(part.get_filename()).endswith(".wav")
    data = part.get_content()
    assert isinstance(data, bytes)
    path = folder / "received.wav"
    path.write_bytes(data)
    return path


def test_message_is_mailed_with_the_recording(db: sqlite_utils.Database, data_dir: Path, record: Recorder,
                                              mail_servers: MailServers, tmp_path: Path) -> None:
    inbox, port = mail_servers.start()
    use_mail_server(db, port)
    set_setting(db, "timezone", "Europe/Berlin")
    set_email(db, "101", "jane@example.com")
    message = leave_message(db, data_dir, record, seconds=12.0, hz=1000.0)

    assert asyncio.run(deliver_pending(db, data_dir)) == 1
    [(sender, recipients, mail)] = inbox.mails
    assert (sender, recipients) == ("pbx@example.com", ["jane@example.com"])
    assert mail["Subject"] == "Voicemail from 0301234567 (Jane Doe), 12 s"
    assert (mail["From"], mail["To"]) == ("pbx@example.com", "jane@example.com")
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    local = message.received_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert "0301234567 (Jane Doe)" in text and "12 s" in text
    assert f"{local:%Y-%m-%d %H:%M:%S} (Europe/Berlin)" in text
    wav = attached_wav(mail, tmp_path)
    assert wav.read_bytes() == message_path(data_dir, message).read_bytes()
    assert load_wav(wav).seconds == pytest.approx(12.0)
    assert has_tone(wav, 1000, 11.5)

    assert get_message(db, message.id).emailed
    assert asyncio.run(deliver_pending(db, data_dir)) == 0  # nothing twice
    assert len(inbox.mails) == 1


def test_mail_server_down_then_up_gets_the_messages_later(db: sqlite_utils.Database, data_dir: Path,
                                                           record: Recorder, mail_servers: MailServers) -> None:
    port = free_port()
    use_mail_server(db, port)
    set_email(db, "101", "jane@example.com")
    set_email(db, "102", "sales@example.com")
    first = leave_message(db, data_dir, record, box="101", seconds=2.0)
    second = leave_message(db, data_dir, record, box="102", seconds=3.0)
    leave_message(db, data_dir, record, box="103", seconds=2.0)  # no e-mail address: stays in the box only

    assert asyncio.run(deliver_pending(db, data_dir)) == 0  # nobody listens on the port yet
    assert not get_message(db, first.id).emailed and not get_message(db, second.id).emailed
    with pytest.raises(MailError, match=rf"^mail server 127.0.0.1:{port} is unreachable: connection refused"):
        send_message_mail(db, data_dir, first)

    inbox, _ = mail_servers.start(port)
    assert asyncio.run(deliver_pending(db, data_dir)) == 2
    assert sorted(rcpt for _, [rcpt], _ in inbox.mails) == ["jane@example.com", "sales@example.com"]
    assert get_message(db, first.id).emailed and get_message(db, second.id).emailed
    assert asyncio.run(deliver_pending(db, data_dir)) == 0


def test_overlapping_deliveries_send_each_message_once(db: sqlite_utils.Database, data_dir: Path,
                                                       record: Recorder, mail_servers: MailServers) -> None:
    inbox, port = mail_servers.start()
    use_mail_server(db, port)
    set_email(db, "101", "jane@example.com")
    for _ in range(3):
        leave_message(db, data_dir, record, seconds=1.5)

    async def both() -> list[int]:
        return list(await asyncio.gather(deliver_pending(db, data_dir), deliver_pending(db, data_dir)))

    assert sum(asyncio.run(both())) == 3
    assert len(inbox.mails) == 3


def test_delete_after_email_and_no_attachment(db: sqlite_utils.Database, data_dir: Path, record: Recorder,
                                              mail_servers: MailServers, tmp_path: Path) -> None:
    inbox, port = mail_servers.start()
    use_mail_server(db, port)
    set_email(db, "101", "jane@example.com", delete_after_email=True)
    set_email(db, "102", "sales@example.com", attach=False)
    deleted = leave_message(db, data_dir, record, box="101", seconds=4.0, hz=600.0)
    kept = leave_message(db, data_dir, record, box="102", seconds=2.0)
    file = message_path(data_dir, deleted)

    told: list[Message] = []
    assert asyncio.run(deliver_pending(db, data_dir, on_deleted=told.append)) == 2
    assert told == [deleted]
    mails = {rcpt: mail for _, [rcpt], mail in inbox.mails}
    wav = attached_wav(mails["jane@example.com"], tmp_path)
    assert load_wav(wav).seconds == pytest.approx(4.0) and has_tone(wav, 600, 3.5)
    assert counts(db, "101") == (0, 0) and not file.exists()

    assert list(mails["sales@example.com"].iter_attachments()) == []
    assert messages(db, "102", "new") == [get_message(db, kept.id)] and get_message(db, kept.id).emailed
    assert message_path(data_dir, kept).exists()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_refused_login_names_the_server_not_the_password(db: sqlite_utils.Database, data_dir: Path,
                                                         record: Recorder, mail_servers: MailServers) -> None:
    inbox, port = mail_servers.start(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    wrong = "Wrong-" + SMTP_PASSWORD
    use_mail_server(db, port, user=SMTP_USER, password=wrong)
    set_email(db, "101", "jane@example.com")
    message = leave_message(db, data_dir, record, seconds=2.0)
    with pytest.raises(MailError) as refused:
        send_message_mail(db, data_dir, message)
    said = str(refused.value)
    assert said.startswith(f"mail server 127.0.0.1:{port} refused the login of user 'voicemail' (535")
    assert "check smtp_user and smtp_password" in said
    assert wrong not in said and SMTP_PASSWORD not in said and "\n" not in said
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert not get_message(db, message.id).emailed and inbox.mails == []

    set_setting(db, "smtp_password", SMTP_PASSWORD)
    send_message_mail(db, data_dir, message)
    assert len(inbox.mails) == 1 and get_message(db, message.id).emailed


def test_starttls_with_login(db: sqlite_utils.Database, data_dir: Path, record: Recorder,
                             mail_servers: MailServers, certificate: Certificate, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port = mail_servers.start(tls_context=certificate.server_context(), require_starttls=True,
                                     authenticator=authenticator, auth_required=True)
    use_mail_server(db, port, security="starttls", user=SMTP_USER, password=SMTP_PASSWORD)
    set_email(db, "101", "jane@example.com")
    message = leave_message(db, data_dir, record, seconds=2.0)

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-certificates"))
    with pytest.raises(MailError, match=rf"^mail server 127.0.0.1:{port}: its TLS certificate is not trusted"):
        send_message_mail(db, data_dir, message)

    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))  # the office's own CA, trusted
    assert asyncio.run(deliver_pending(db, data_dir)) == 1
    assert has_tone(attached_wav(inbox.mails[0][2], tmp_path), 1000, 1.5)


def test_implicit_tls(db: sqlite_utils.Database, data_dir: Path, record: Recorder, mail_servers: MailServers,
                      certificate: Certificate, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port = mail_servers.start(ssl_context=certificate.server_context())
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
    use_mail_server(db, port, security="tls")
    set_email(db, "101", "jane@example.com")
    leave_message(db, data_dir, record, seconds=2.0)
    assert asyncio.run(deliver_pending(db, data_dir)) == 1 and len(inbox.mails) == 1


def test_starttls_asked_of_a_server_without_it(db: sqlite_utils.Database, data_dir: Path, record: Recorder,
                                               mail_servers: MailServers) -> None:
    _, port = mail_servers.start()
    use_mail_server(db, port, security="starttls")
    set_email(db, "101", "jane@example.com")
    message = leave_message(db, data_dir, record, seconds=2.0)
    with pytest.raises(MailError, match=rf"^mail server 127.0.0.1:{port} does not offer STARTTLS; "):
        send_message_mail(db, data_dir, message)


def test_nothing_is_sent_without_a_mail_server(db: sqlite_utils.Database, data_dir: Path,
                                               record: Recorder) -> None:
    set_email(db, "101", "jane@example.com")
    message = leave_message(db, data_dir, record, seconds=2.0)
    assert asyncio.run(deliver_pending(db, data_dir)) == 0
    with pytest.raises(MailError, match="no mail server is set"):
        send_message_mail(db, data_dir, message)
    set_setting(db, "smtp_host", "127.0.0.1")
    with pytest.raises(MailError, match="smtp_from = '' is not an e-mail address"):
        send_message_mail(db, data_dir, message)
