"""The self-test's checks and the result file `minipbx status`, the console and the LED read."""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware.appliance.selftest import (
    Check,
    SelfTestResult,
    board_devices,
    check_devices,
    check_edge,
    check_workers,
    load_result,
    workers_from_status,
)

REPO = Path(__file__).resolve().parents[2]


def test_board_devices_are_the_hardware_a_board_file_names() -> None:
    assert board_devices(REPO / "boards" / "sim.toml") == []  # everything simulated
    pi = board_devices(REPO / "boards" / "pi4-hat.toml")
    assert "/dev/serial0" in pi and "/dev/ttyAMA1" in pi
    assert "/dev/gpiochip0" in pi
    assert "/proc/asound/minipbxhat" in pi  # plughw:CARD=minipbxhat


def test_missing_devices_are_named(tmp_path: Path) -> None:
    board = tmp_path / "b.toml"
    board.write_text('[board]\nname = "x"\n[slic]\nserial = "/dev/null"\n[dect]\nserial = "/dev/ttyNOPE9"\n')
    check = check_devices(board)
    assert not check.ok and "/dev/ttyNOPE9" in check.detail and "/dev/null" not in check.detail
    board.write_text('[board]\nname = "x"\n[slic]\nserial = "/dev/null"\n')
    assert check_devices(board).ok


def test_workers_are_counted_from_status_json() -> None:
    status = {"edge": {"up": True}, "workers": [{"number": 1, "up": True}, {"number": 2, "up": False}]}
    assert workers_from_status(status) == (1, 2)
    assert workers_from_status({}) == (0, 0)


@pytest.fixture
def sip_responder() -> Iterator[int]:
    """A UDP socket that answers any request with 200 OK, like the edge."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)

    def answer() -> None:
        try:
            data, addr = sock.recvfrom(4096)
        except OSError:
            return
        sock.sendto(b"SIP/2.0 200 OK\r\n" + data.split(b"\r\n", 1)[1], addr)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    yield int(sock.getsockname()[1])
    thread.join(timeout=6)
    sock.close()


def test_the_edge_check_sends_sip_options(sip_responder: int) -> None:
    assert check_edge("127.0.0.1", sip_responder).ok


def test_a_silent_edge_fails() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        check = check_edge("127.0.0.1", silent.getsockname()[1], timeout=0.3)
    assert not check.ok and "no answer" in check.detail


def test_workers_check_runs_minipbx_status(tmp_path: Path) -> None:
    fake = tmp_path / "minipbx"
    fake.write_text('#!/bin/sh\necho \'{"edge": {"up": true}, "workers": [{"up": true}, {"up": true}]}\'\n')
    fake.chmod(0o755)
    assert check_workers(tmp_path, fake) == Check("workers", True, "2 call worker(s) up")
    fake.write_text("#!/bin/sh\necho 'minipbx: error: minipbx is not running' >&2\nexit 1\n")
    check = check_workers(tmp_path, fake)
    assert not check.ok and "not running" in check.detail


def test_result_round_trips_and_says_what_failed(tmp_path: Path) -> None:
    result = SelfTestResult(ok=False, finished_at="2026-01-01T00:00:00+00:00", checks=(
        Check("edge", True, "edge answers"), Check("workers", False, "1 of 2 call workers up")))
    path = tmp_path / "result.json"
    path.write_text(result.to_json())
    loaded = load_result(path)
    assert loaded == result
    assert loaded.summary() == "FAILED: workers: 1 of 2 call workers up"
    assert loaded.led_pattern == "blink-fast"
    passed = SelfTestResult(ok=True, finished_at="t", checks=(Check("edge", True, "edge answers"),))
    assert passed.summary() == "passed (edge answers)" and passed.led_pattern == "on"


def test_no_or_unreadable_result_is_none(tmp_path: Path) -> None:
    assert load_result(tmp_path / "missing.json") is None
    (tmp_path / "bad.json").write_text("{")
    assert load_result(tmp_path / "bad.json") is None
