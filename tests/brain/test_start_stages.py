"""What systemd hears while the PBX starts: each stage's own time bound, then ready.

On a slow card or a busy emulator a whole start can take minutes; a single
TimeoutStartSec long enough for that would hide a hang. So the brain extends the
start timeout stage by stage (EXTEND_TIMEOUT_USEC), and each stage has its own bound.
"""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx


def test_each_start_stage_extends_the_start_timeout_before_ready(tmp_path_factory: pytest.TempPathFactory,
                                                                  phone_factory: PhoneFactory) -> None:
    data_dir = Path(tmp_path_factory.mktemp("stages", numbered=True))
    notify_path = data_dir / "notify"
    systemd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    systemd.bind(str(notify_path))
    systemd.settimeout(0.5)
    pbx = RunningPbx(data_dir, phone_factory, env={"NOTIFY_SOCKET": str(notify_path)})
    try:
        pbx.start()
        heard: list[str] = []
        while True:
            try:
                heard.append(systemd.recv(4096).decode())
            except TimeoutError:
                break
    finally:
        pbx.close()
        systemd.close()
    stages = [m.split("STATUS=")[1] for m in heard if m.startswith("EXTEND_TIMEOUT_USEC=")]
    # The sim board's 8 calls need more than one worker: the first one's capacity decides how many.
    assert stages[0] == "starting call worker 1", heard
    assert stages[1].startswith("starting ") and stages[1].endswith(" call workers"), heard
    assert "starting the SIP edge" in stages, heard
    extensions = [int(m.split("\n")[0].split("=")[1]) for m in heard if m.startswith("EXTEND_TIMEOUT_USEC=")]
    assert all(60_000_000 <= usec <= 300_000_000 for usec in extensions), extensions
    ready = [i for i, m in enumerate(heard) if m.startswith("READY=1")]
    assert ready and ready[0] > max(i for i, m in enumerate(heard) if m.startswith("EXTEND")), heard
