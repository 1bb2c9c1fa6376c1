"""Before starting the edge the brain waits for the SIP port only while its own old edge is exiting."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from firmware.brain.supervisor import Pbx, RunOptions, StartError
from tests.support.pbx import free_sip_port


def pbx_on(tmp_path: Path, port: int, edge_pid: int | None) -> Pbx:
    pbx = Pbx(RunOptions(data_dir=tmp_path / "data", board_path=tmp_path / "board.toml",
                         sip_addr="127.0.0.1", sip_port=port))
    if edge_pid is not None:
        pbx.run_dir.mkdir(parents=True)
        (pbx.run_dir / "kamailio.pid").write_text(f"{edge_pid}\n")
    return pbx


def dead_pid() -> int:
    gone = subprocess.Popen(["true"])
    gone.wait()
    return gone.pid


@pytest.mark.parametrize("edge_pid", [None, "dead"])
def test_port_held_by_someone_else_fails_at_once(tmp_path: Path, edge_pid: str | None) -> None:
    port = free_sip_port()
    pbx = pbx_on(tmp_path, port, dead_pid() if edge_pid else None)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", port))
        started = time.monotonic()
        with pytest.raises(StartError, match=f"SIP port 127.0.0.1:{port} \\(UDP\\) is already in use"):
            asyncio.run(pbx._wait_port_free(timeout=30))
    assert time.monotonic() - started < 10  # did not sit out the 30 s


def test_port_freed_by_our_exiting_edge_is_waited_for(tmp_path: Path) -> None:
    # This process stands in for the old edge: alive, holding the port, letting go a moment later.
    port = free_sip_port()
    pbx = pbx_on(tmp_path, port, os.getpid())
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))

    async def scenario() -> None:
        asyncio.get_running_loop().call_later(0.5, sock.close)
        await pbx._wait_port_free(timeout=30)

    asyncio.run(scenario())
    assert sock.fileno() == -1


def test_our_edge_that_never_lets_go_fails_after_the_timeout(tmp_path: Path) -> None:
    port = free_sip_port()
    pbx = pbx_on(tmp_path, port, os.getpid())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", port))
        with pytest.raises(StartError, match=f"127.0.0.1:{port}"):
            asyncio.run(pbx._wait_port_free(timeout=0.5))
