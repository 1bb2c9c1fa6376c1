"""Stopping a child that does not stop: its own children must not be left behind."""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from firmware.process.child import Child


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_a_stuck_child_is_killed_with_its_own_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    # Like Kamailio: a main process with a worker, both deaf to SIGTERM.
    script = f"trap '' TERM; (trap '' TERM; echo $BASHPID > {pid_file}; sleep 60) & sleep 60"

    async def scenario() -> tuple[int, int]:
        child = Child("stuck", ["bash", "-c", script], tmp_path / "stuck.log")
        await child.start()
        deadline = time.monotonic() + 10
        while not pid_file.exists() or not pid_file.read_text().strip():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        main_pid = child.pid
        assert main_pid is not None
        await child.stop(timeout=0.5)
        return main_pid, int(pid_file.read_text())

    main_pid, grandchild = asyncio.run(scenario())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(main_pid)
    assert not _alive(grandchild)
