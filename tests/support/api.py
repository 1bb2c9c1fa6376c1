"""The real API process (`python -m firmware.api`) on a free 127.0.0.1 port, against a real sqlite file."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from firmware.admin import access, extensions
from firmware.admin.context import Admin
from firmware.store.database import open_store

REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "Blue-Kettle-42x"


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

    def __init__(self, data_dir: Path, url: str) -> None:
        self.data_dir = data_dir
        self.url = url

    def admin(self) -> Admin:
        return Admin(open_store(self.data_dir), self.data_dir)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)

    def login(self, login: str, password: str) -> httpx.Client:
        with self.client() as anonymous:
            answer = anonymous.post("/api/login", json={"login": login, "password": password})
        assert answer.status_code == 200, answer.text
        return self.client(answer.json()["token"])

    def as_admin(self) -> httpx.Client:
        return self.login("admin", ADMIN_PASSWORD)

    def user(self, number: str, role: str = "user", password: str = "Green-Lamp-77q") -> httpx.Client:
        admin = self.admin()
        try:
            extensions.add(admin, extensions.NewExtension(number=number, name=f"Person {number}", role=role))
            extensions.set_web_login(admin, number, password)
        finally:
            admin.db.conn.close()
        return self.login(number, password)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    data_dir = tmp_path / "data"
    admin = Admin(open_store(data_dir), data_dir)
    access.set_admin_password(admin, ADMIN_PASSWORD)
    admin.db.conn.close()
    port = free_tcp_port()
    log = tmp_path / "api.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "firmware.api", "--data", str(data_dir), "--addr", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO_ROOT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, process, log)
        yield Api(data_dir, url)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        print(f"--- API log:\n{log.read_text(errors='replace')[-4000:]}")
