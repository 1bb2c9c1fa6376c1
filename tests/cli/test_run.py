"""`minipbx run` refusing to start: one clear line, exit code 1, at once, nothing left running.

The runs that succeed are tested in tests/brain.
"""
from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import BOARD, Cli, assert_one_line_error
from tests.support.pbx import free_sip_port

# Refusals come before any worker or edge starts: within this, while the old code sat out 8 s for a
# busy port.
REFUSAL_TIMEOUT = 7.5


@pytest.fixture
def port() -> int:
    return free_sip_port()


def refuse_run(cli: Cli, *args: str, env: dict[str, str] | None = None) -> str:
    return cli.fails("run", "--board", str(BOARD), *args, env=env, timeout=REFUSAL_TIMEOUT)


def test_board_file_that_does_not_exist(cli: Cli, port: int, tmp_path: Path) -> None:
    missing = tmp_path / "boards" / "nope.toml"
    message = cli.fails("run", "--board", str(missing), "--sip-port", str(port), timeout=REFUSAL_TIMEOUT)
    assert message == f"minipbx: error: board file {missing} does not exist"
    assert not cli.data_dir.exists()


@pytest.mark.parametrize(
    ("addr", "says"),
    [
        ("0.0.0.0", "SIP address 0.0.0.0 is not accepted"),
        ("foo", "SIP address 'foo' is not an IP address"),
        ("::1", "SIP address ::1 is IPv6"),
        ("", "SIP address '' is not an IP address"),
    ],
)
def test_unusable_sip_address(cli: Cli, port: int, addr: str, says: str) -> None:
    message = refuse_run(cli, "--sip-addr", addr, "--sip-port", str(port))
    assert says in message
    assert "use this box's LAN address (e.g. 192.168.1.10) or 127.0.0.1" in message
    assert not cli.data_dir.exists()


def test_address_this_machine_does_not_have(cli: Cli, port: int) -> None:
    # 192.0.2.0/24 is reserved for documentation: no machine has it.
    message = refuse_run(cli, "--sip-addr", "192.0.2.10", "--sip-port", str(port))
    assert "SIP address 192.0.2.10 is not an address of this machine" in message


@pytest.fixture
def taken_udp(port: int) -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", port))
        yield port


def test_sip_port_already_taken_over_udp(cli: Cli, taken_udp: int) -> None:
    started = time.monotonic()
    message = refuse_run(cli, "--sip-port", str(taken_udp))
    assert f"SIP port 127.0.0.1:{taken_udp} (UDP) is already in use" in message
    assert "--sip-port" in message
    assert time.monotonic() - started < REFUSAL_TIMEOUT
    assert not (cli.data_dir / "logs").exists()  # no worker or edge was started


def test_sip_port_already_taken_over_tcp(cli: Cli, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        message = refuse_run(cli, "--sip-port", str(port))
    assert f"SIP port 127.0.0.1:{port} (TCP) is already in use" in message


def test_stale_edge_pid_file_does_not_make_it_wait(cli: Cli, taken_udp: int) -> None:
    # A pid file left by an edge that has exited (e.g. after a power cut) is no reason to wait.
    gone = subprocess.Popen(["true"])
    gone.wait()
    (cli.data_dir / "run").mkdir(parents=True)
    (cli.data_dir / "run" / "kamailio.pid").write_text(f"{gone.pid}\n")
    message = refuse_run(cli, "--sip-port", str(taken_udp))
    assert f"127.0.0.1:{taken_udp}" in message


@pytest.mark.parametrize("kamailio", ["/nonexistent", "{board}", "{tmp}"])
def test_kamailio_override_that_is_not_a_program(cli: Cli, port: int, tmp_path: Path, kamailio: str) -> None:
    path = kamailio.format(board=BOARD, tmp=tmp_path)  # missing, not executable, a directory
    message = refuse_run(cli, "--sip-port", str(port), env={"MINIPBX_KAMAILIO": path})
    assert f"kamailio is not installed at {path}" in message
    assert "MINIPBX_KAMAILIO" in message
    assert not cli.data_dir.exists()


def test_corrupt_database(cli: Cli, port: int) -> None:
    cli.data_dir.mkdir()
    cli.db_file.write_bytes(b"SQLite format 3\x00" + b"\x13" * 8000)
    message = refuse_run(cli, "--sip-port", str(port))
    assert "corrupt" in message and str(cli.db_file) in message


def test_status_when_nothing_runs(cli: Cli) -> None:
    assert cli.fails("status") == "minipbx: error: minipbx is not running for this data directory"
    assert cli.fails("status", "--json") == "minipbx: error: minipbx is not running for this data directory"


def test_status_with_a_stale_control_socket(cli: Cli) -> None:
    # The brain was killed: its socket file is still there, nobody answers.
    (cli.data_dir / "run").mkdir(parents=True)
    path = cli.data_dir / "run" / "control.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(path))
    result = cli("status", timeout=REFUSAL_TIMEOUT)
    assert_one_line_error(result)
    assert "not running" in result.stderr
