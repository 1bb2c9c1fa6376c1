"""A real minipbx (`minipbx run`) in a subprocess, for end-to-end tests."""
from __future__ import annotations

import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from firmware.brain.control import ControlError, ask
from firmware.store.database import open_store
from firmware.store.extensions import add_extension
from tests.support.fixtures import PhoneFactory
from tests.support.parallel import rtp_base
from tests.support.phone import Phone

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


def free_sip_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        port = random.randint(15000, 29999)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, \
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                udp.bind(("127.0.0.1", port))
                tcp.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise AssertionError("no free SIP port found")


def _gateway_ready(status: dict[str, Any]) -> bool:
    gateway = status.get("gateway")
    return bool(gateway and gateway["up"] and gateway["ports"] and all(p["registered"] for p in gateway["ports"]))


class RunningPbx:
    """Start, stop, kill and inspect one PBX; make extensions and registered phones."""

    def __init__(self, data_dir: Path, phones: PhoneFactory, *, board: Path | None = None,
                 gateway: bool = False, http_port: int | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        # Extra environment for the brain, e.g. a NOTIFY_SOCKET standing in for systemd.
        self.env = env
        # With the line gateway the board's ports become extensions (taking the lowest free
        # numbers), so it is off unless a test is about the ports.
        self.gateway = gateway
        # The HTTP API only for the tests about it: one more process per PBX costs CPU.
        self.http_port = http_port
        self.phones = phones
        self.board = board or REPO_ROOT / "boards" / "sim.toml"
        self.sip_port = free_sip_port()
        # Two workers of 512 RTP ports and the gateway agents fit in 2000.
        self.rtp_base = rtp_base(2000)
        self.passwords: dict[str, str] = {}
        self.process: subprocess.Popen[bytes] | None = None
        self.output_path = data_dir / "brain.out"
        data_dir.mkdir(parents=True, exist_ok=True)

    @property
    def registrar(self) -> str:
        return f"127.0.0.1:{self.sip_port}"

    # ---- configuration --------------------------------------------------------
    def add_extension(self, number: str, name: str | None = None) -> str:
        db = open_store(self.data_dir)
        try:
            self.passwords[number] = add_extension(db, number, name or f"Extension {number}")
        finally:
            db.conn.close()
        return self.passwords[number]

    def minipbx(self, *args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "firmware.cli.main", "--data", str(self.data_dir), *args],
                              capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)

    def set(self, key: str, value: str) -> None:
        result = self.minipbx("config", "set", key, value)
        assert result.returncode == 0, result.stderr

    # ---- lifecycle ------------------------------------------------------------
    def start(self) -> None:
        """Start and wait until everything is up; a PBX that does not come up is stopped again."""
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        with self.output_path.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "firmware.cli.main", "--data", str(self.data_dir), "run",
                 "--board", str(self.board), "--sip-addr", "127.0.0.1", "--sip-port", str(self.sip_port),
                 "--rtp-base", str(self.rtp_base), *([] if self.gateway else ["--no-gateway"]),
                 *(["--no-http"] if self.http_port is None else
                   ["--http-addr", "127.0.0.1", "--http-port", str(self.http_port)])],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO_ROOT,
                env={**os.environ, **self.env} if self.env else None,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"minipbx exited with {self.process.returncode}:\n{self.output()}")
            status = self.status(check=False)
            if status and status["edge"]["up"] and all(w["up"] for w in status["workers"]) \
                    and (status.get("busy_lamps") or {}).get("ready") \
                    and (not self.gateway or _gateway_ready(status)):
                return
            time.sleep(0.2)
        raise AssertionError(f"minipbx did not come up within {START_TIMEOUT} s:\n{self.output()}")

    def output(self) -> str:
        return self.output_path.read_text(errors="replace") if self.output_path.exists() else ""

    def status(self, check: bool = True) -> dict[str, Any] | None:
        """What `minipbx status --json` prints, asked on the control socket in-process.

        Waits poll this several times a second; a `minipbx` process per poll would cost
        a second of CPU each. tests/cli covers the command itself.
        """
        try:
            return ask(self.data_dir / "run" / "control.sock", "status", timeout=30)
        except ControlError as exc:
            if check:
                raise AssertionError(f"status failed: {exc}") from None
            return None

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM and wait: the PBX must stop cleanly by itself."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        return code

    def kill9(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.stop(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()

    # ---- phones and records -----------------------------------------------------
    def phone(self, number: str, *, register: bool = True, **kwargs: Any) -> Phone:
        if number not in self.passwords:
            self.add_extension(number)
        kwargs.setdefault("password", self.passwords[number])
        phone = self.phones(number, registrar=self.registrar, **kwargs)
        if register:
            code = phone.register()
            assert code == 200, f"{number} could not register: {code}"
        return phone

    def cdr(self) -> list[dict[str, Any]]:
        conn = sqlite3.connect(self.data_dir / "minipbx.db")
        conn.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in conn.execute("SELECT * FROM cdr ORDER BY id")]
        finally:
            conn.close()

    def wait_cdr(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            rows = self.cdr()
            if len(rows) >= count or time.monotonic() > deadline:
                assert len(rows) >= count, f"expected {count} CDR rows, got {rows}"
                return rows
            time.sleep(0.1)

    def worker_pids(self) -> dict[int, int]:
        status = self.status()
        assert status is not None
        return {w["number"]: w["pid"] for w in status["workers"]}


@pytest.fixture
def pbx(tmp_path_factory: pytest.TempPathFactory, phone_factory: PhoneFactory) -> Iterator[RunningPbx]:
    """A running PBX with no extensions yet; `pbx.phone("101")` makes and registers one."""
    # A short path: the control socket path must fit in 108 bytes.
    data_dir = Path(tmp_path_factory.mktemp("pbx", numbered=True))
    yield from serving(RunningPbx(data_dir, phone_factory), phone_factory)


def serving(running: RunningPbx, phone_factory: PhoneFactory) -> Iterator[RunningPbx]:
    """Start `running` for a fixture to yield, then stop it and show what it said."""
    running.start()
    try:
        yield running
    finally:
        # Phones first, so their hang-ups reach a live PBX.
        phone_factory.close_all()
        running.close()
        # Shown by pytest only when the test failed.
        print(f"--- minipbx output ({running.data_dir}):\n{running.output()[-6000:]}")
        print(media_summary(running.data_dir / "logs"))


# The lines of pjsua's call dumps (written to a worker's log as each leg ends) that say where
# audio went: which peer, how many RTP packets each way. One-way audio shows here first.
_MEDIA_LINE = re.compile(r"\[[A-Z]+\] To:|Call time|#\d+ audio|[RT]X pt=|total [0-9.]+K?pkt")
_DUMP_START = re.compile(r"^\s*\[[A-Z]+\] To:")


def media_summary(log_dir: Path, limit: int = 4000) -> str:
    parts = []
    for log in sorted(log_dir.glob("worker*.log")):
        lines, probing = [], False
        for line in log.read_text(errors="replace").splitlines():
            if _DUMP_START.match(line):
                probing = "capacity-probe" in line  # the start-up probe's calls, no media
            if not probing and _MEDIA_LINE.search(line):
                lines.append(line.strip())
        parts.append(f"--- {log.name}, legs as they ended:\n" + "\n".join(lines)[-limit:])
    return "\n".join(parts)
