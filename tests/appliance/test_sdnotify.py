"""sd_notify without libsystemd: what systemd receives, and silence outside systemd."""
from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware.appliance import sdnotify


@pytest.fixture
def systemd_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    yield sock
    sock.close()


def test_ready_watchdog_and_stopping_reach_systemd(systemd_socket: socket.socket) -> None:
    assert sdnotify.ready("SIP on 10.0.0.2:5060")
    assert systemd_socket.recv(4096) == b"READY=1\nSTATUS=SIP on 10.0.0.2:5060"
    assert sdnotify.watchdog_ping()
    assert systemd_socket.recv(4096) == b"WATCHDOG=1"
    assert sdnotify.stopping()
    assert systemd_socket.recv(4096) == b"STOPPING=1"


def test_a_start_stage_asks_for_its_own_time(systemd_socket: socket.socket) -> None:
    assert sdnotify.extend_start(120, "starting the SIP edge")
    assert systemd_socket.recv(4096) == b"EXTEND_TIMEOUT_USEC=120000000\nSTATUS=starting the SIP edge"


def test_abstract_socket_names_work(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"minipbx-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert sdnotify.status("starting workers")
        assert sock.recv(4096) == b"STATUS=starting workers"


def test_outside_systemd_nothing_happens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sdnotify.notify("READY=1") is False
    monkeypatch.setenv("NOTIFY_SOCKET", "/nonexistent/socket")
    assert sdnotify.notify("READY=1") is False  # a lost notification never raises
    monkeypatch.setenv("NOTIFY_SOCKET", "relative/path")
    assert sdnotify.notify("READY=1") is False


def test_watchdog_interval_is_half_the_period_for_the_main_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert sdnotify.watchdog_interval() is None
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert sdnotify.watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert sdnotify.watchdog_interval() == 15.0
    # A worker that inherited the brain's environment must not ping for it.
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))
    assert sdnotify.watchdog_interval() is None
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    monkeypatch.setenv("WATCHDOG_USEC", "soon")
    assert sdnotify.watchdog_interval() is None
