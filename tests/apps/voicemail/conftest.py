"""A store with extensions 101-103, recordings as real WAV files, and a real SMTP server."""
from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlite_utils
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from firmware.store.database import open_store
from firmware.store.extensions import add_extension
from firmware.store.settings import set_setting
from tests.support.audio import synth_tone, write_wav

SMTP_USER = "voicemail"
SMTP_PASSWORD = "pa55-Secret-word"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def db(data_dir: Path) -> Iterator[sqlite_utils.Database]:
    store = open_store(data_dir)
    for number, name in (("101", "Reception"), ("102", "Sales"), ("103", "Support")):
        add_extension(store, number, name)
    yield store
    store.conn.close()


Recorder = Callable[..., Path]


@pytest.fixture
def record(tmp_path: Path) -> Recorder:
    """Write a WAV as a phone recording would: record(path, seconds, hz=1000, rate=8000, channels=1)."""

    def make(path: Path, seconds: float, hz: float = 1000.0, rate: int = 8000, channels: int = 1) -> Path:
        samples = synth_tone(hz, seconds, rate=rate)
        if channels == 1:
            return write_wav(path, samples, rate)
        import wave

        pcm = np.round(np.repeat(samples, channels) * 32767).astype("<i2")
        with wave.open(str(path), "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm.tobytes())
        return path

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Inbox:
    """What the SMTP server accepted: (envelope sender, recipients, parsed mail)."""

    mails: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(), SMTP_PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


class MailServers:
    """aiosmtpd servers on 127.0.0.1, stopped when the test ends."""

    def __init__(self) -> None:
        self.controllers: list[Controller] = []

    def start(self, port: int | None = None, **smtp: Any) -> tuple[Inbox, int]:
        inbox = Inbox()
        port = port or free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **smtp)
        controller.start()
        self.controllers.append(controller)
        return inbox, port

    def stop(self) -> None:
        for controller in self.controllers:
            controller.stop()
        self.controllers.clear()


@pytest.fixture
def mail_servers() -> Iterator[MailServers]:
    servers = MailServers()
    yield servers
    servers.stop()


def use_mail_server(db: sqlite_utils.Database, port: int, security: str = "none", user: str = "",
                    password: str = "") -> None:
    for key, value in (("smtp_host", "127.0.0.1"), ("smtp_port", str(port)), ("smtp_security", security),
                       ("smtp_user", user), ("smtp_password", password), ("smtp_from", "pbx@example.com")):
        set_setting(db, key, value)


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1 (openssl command; the `cryptography` package is not installed)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return Certificate(cert, key)
