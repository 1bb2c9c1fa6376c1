"""A real store with extensions and call records, and a real CRM over HTTP on loopback."""
from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlite_utils

from firmware.store.cdr import CallRecord, write_cdr
from firmware.store.database import open_store
from firmware.store.extensions import add_extension

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
EMPLOYEES = {"101": "Reception", "102": "Anna Sales", "103": "Ben Support", "104": "Manager"}


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    store = open_store(tmp_path / "data")
    for number, name in EMPLOYEES.items():
        add_extension(store, number, name)
    yield store
    store.conn.close()


def record_call(db: sqlite_utils.Database, *, caller: str, called: str, answered_by: str | None,
                days_ago: float, now: datetime = NOW, disposition: str = "answered",
                trunk: str | None = "prov") -> None:
    """A finished call as the brain writes it: inbound (caller = the outside number,
    answered_by = the extension) or outbound (caller = the extension, called = as dialled)."""
    started = now - timedelta(days=days_ago)
    answered = started + timedelta(seconds=4) if disposition == "answered" else None
    write_cdr(db, CallRecord(
        call_id=f"call-{caller}-{called}-{days_ago}", caller=caller, called=called, started_at=started,
        ended_at=started + timedelta(seconds=90), disposition=disposition, hangup_cause="caller hung up",
        hangup_by="caller", answered_by=answered_by if disposition == "answered" else None, answered_at=answered,
        worker=1, trunk=trunk, did="4930100" if trunk else None, mode="day", route="test",
    ))


@dataclass
class Answer:
    status: int = 200
    content_type: str = "application/json"
    body: str = ""
    delay: float = 0.0  # seconds before anything is sent
    chunked: bool = False
    trickle: bool = False  # send the headers and one byte of the body, then stall


@dataclass
class Crm:
    """A CRM stub: each path prefix answers as configured; requests are recorded."""
    port: int
    answers: dict[str, Answer]
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}/{{number}}"


DEFAULT_ANSWERS = {
    "json": Answer(body=json.dumps({"extension": "102", "name": "Anna"})),
    "ext": Answer(body=json.dumps({"ext": 103})),
    "text": Answer(content_type="text/plain", body="104\n"),
    "missing": Answer(status=404, content_type="text/plain", body="no such customer"),
    "garbage": Answer(content_type="text/html", body="<html><body>Login required</body></html>"),
    "empty-json": Answer(body=json.dumps({"extension": None})),
    "unknown-ext": Answer(body=json.dumps({"extension": "999"})),
    "manager": Answer(body=json.dumps({"extension": "104"})),
    "slow": Answer(body=json.dumps({"extension": "102"}), delay=3.0),
    "trickle": Answer(body=json.dumps({"extension": "102"}), trickle=True),
    "chunked": Answer(content_type="text/plain", body="103", chunked=True),
}


class _Handler(BaseHTTPRequestHandler):
    server: _CrmServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        crm = self.server.crm
        crm.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        prefix = self.path.strip("/").split("/")[0]
        answer = crm.answers.get(prefix, Answer(status=404, content_type="text/plain", body="unknown path"))
        if answer.delay and crm.release.wait(answer.delay):
            return
        body = answer.body.encode()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            if answer.chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for piece in (body[:1], body[1:]):
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
                return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if answer.trickle:
                self.wfile.write(body[:1])
                self.wfile.flush()
                crm.release.wait(5)
                return
            self.wfile.write(body)
        except OSError:
            pass  # the PBX gave up waiting and closed the connection

    def log_message(self, format: str, *args: object) -> None:
        pass


class _CrmServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    crm: Crm


@pytest.fixture
def crm() -> Iterator[Crm]:
    server = _CrmServer(("127.0.0.1", 0), _Handler)
    server.crm = Crm(port=server.server_address[1], answers=dict(DEFAULT_ANSWERS))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.crm
    server.crm.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def closed_port() -> int:
    """A loopback port nobody listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port
