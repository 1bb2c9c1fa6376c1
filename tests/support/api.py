"""The real API process (`python -m firmware.api`) on a free 127.0.0.1 port, against a real sqlite file."""
from __future__ import annotations

import contextlib
import json
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from firmware.admin import access, extensions
from firmware.admin.context import Admin
from firmware.appliance.credentials import store_admin_pin
from firmware.store.database import open_store

REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "Blue-Kettle-42x"
# The admin PIN of a new box in `fresh_box` (first boot shows the real one on the console).
ADMIN_PIN = "482916"


def free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None, log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the API exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/api/health", timeout=1, verify=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the API did not answer within {timeout} s:\n{log.read_text(errors='replace')}")


class Api:
    """One API server and a data directory; logs people in and gives httpx clients."""

    def __init__(self, data_dir: Path, url: str, log: Path | None = None) -> None:
        self.data_dir = data_dir
        self.url = url
        self.log = log or data_dir / "api.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Run `python -m firmware.api` on this URL's port (for tests that own the process); an https URL
        serves HTTPS with the self-signed certificate made at the first start."""
        port = self.url.rsplit(":", 1)[1]
        tls = ["--tls"] if self.url.startswith("https:") else []
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "firmware.api", "--data", str(self.data_dir), "--addr", "127.0.0.1",
                 "--port", port, *tls], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=REPO_ROOT)
        wait_until_up(self.url, self.process, self.log)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def admin(self) -> Admin:
        return Admin(open_store(self.data_dir), self.data_dir)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # Over HTTPS the certificate is the self-signed one the API made for itself.
        return httpx.Client(base_url=self.url, headers=headers, timeout=10, verify=False)

    def login(self, login: str, password: str) -> httpx.Client:
        with self.client() as anonymous:
            answer = anonymous.post("/api/login", json={"login": login, "password": password})
        assert answer.status_code == 200, answer.text
        return self.client(answer.json()["token"])

    def as_admin(self) -> httpx.Client:
        return self.login("admin", ADMIN_PASSWORD)

    def key(self, name: str, permissions: list[str]) -> httpx.Client:
        """A client with a new API key holding `permissions` (an integration's)."""
        admin = self.admin()
        try:
            created = access.create_key(admin, access.NewKey(name=name, permissions=permissions))
        finally:
            admin.db.conn.close()
        return self.client(created.token)

    def user(self, number: str, role: str = "user", password: str = "Green-Lamp-77q") -> httpx.Client:
        admin = self.admin()
        try:
            extensions.add(admin, extensions.NewExtension(number=number, name=f"Person {number}", role=role))
            extensions.set_web_login(admin, number, password)
        finally:
            admin.db.conn.close()
        return self.login(number, password)

    def web_login(self, number: str, password: str = "Green-Lamp-77q") -> httpx.Client:
        """Log in as an extension that exists already (a phone of the test), giving it a web password."""
        admin = self.admin()
        try:
            extensions.set_web_login(admin, number, password)
        finally:
            admin.db.conn.close()
        return self.login(number, password)


@contextlib.contextmanager
def running_api(folder: Path, scheme: str = "http") -> Iterator[Api]:
    """The API process alone, on a fresh database in `folder` with the admin account's password set."""
    data_dir = folder / "data"
    admin = Admin(open_store(data_dir), data_dir)
    access.set_admin_password(admin, ADMIN_PASSWORD)
    admin.db.conn.close()
    server = Api(data_dir, f"{scheme}://127.0.0.1:{free_tcp_port()}", folder / "api.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        print(f"--- API log:\n{server.log.read_text(errors='replace')[-4000:]}")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """The API process alone, on a fresh database with the admin account's password set."""
    with running_api(tmp_path) as server:
        yield server


@pytest.fixture
def fresh_box(tmp_path: Path) -> Iterator[Api]:
    """The API on a new box: an admin PIN beside the data (as first boot leaves it), no admin password."""
    data_dir = tmp_path / "data"
    open_store(data_dir).conn.close()
    (tmp_path / "appliance").mkdir()
    store_admin_pin(tmp_path / "appliance", ADMIN_PIN)
    server = Api(data_dir, f"http://127.0.0.1:{free_tcp_port()}", tmp_path / "api.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


class EventStream:
    """A client of GET /api/events in a thread: each `event:`/`data:` block, parsed, in order."""

    def __init__(self, client: httpx.Client) -> None:
        self.events: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self.status: int | None = None
        self._client = client
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._opened.wait(10), "the event stream did not open"
        assert self.status == 200, f"the event stream answered {self.status}"

    def _read(self) -> None:
        try:
            with self._client.stream("GET", "/api/events", timeout=httpx.Timeout(10, read=None)) as answer:
                self.status = answer.status_code
                self._opened.set()
                name, data = "", ""
                for line in answer.iter_lines():
                    if line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: "):
                        data = line[6:]
                    elif not line and name:
                        self.events.put((name, json.loads(data)))
                        name, data = "", ""
        except httpx.HTTPError:
            pass
        finally:
            self._opened.set()

    def next(self, timeout: float = 10) -> tuple[str, dict[str, Any]]:
        return self.events.get(timeout=timeout)

    def expect_none(self, within: float) -> None:
        with contextlib.suppress(queue.Empty):
            raise AssertionError(f"unexpected event: {self.events.get(timeout=within)}")

    def close(self) -> None:
        self._client.close()


def assert_bad_audio_refused(client: httpx.Client, path: str, tmp_path: Path) -> None:
    """PUT `path` (an audio upload) refuses a text file, a silent file and one over 20 MiB with the
    CLI's messages, naming the file as the person's computer called it."""
    from tests.support.audio import synth_tone, write_wav

    junk = client.put(path, params={"filename": "notes.txt"}, content=b"minutes of the meeting\n")
    assert junk.status_code == 422
    assert "notes.txt" in junk.json()["error"] and "WAV, MP3, OGG or FLAC" in junk.json()["error"]
    silent = write_wav(tmp_path / "silence.wav", synth_tone(700, 2.0, dbfs=-80))
    refused = client.put(path, params={"filename": "silence.wav"}, content=silent.read_bytes())
    assert refused.status_code == 422 and "silent" in refused.json()["error"]
    assert client.put(path, content=b"\0" * (21 << 20)).status_code == 413
