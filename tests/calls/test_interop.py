"""Transfer and hold from baresip, a SIP stack that is not pjsua2: the PBX must act on its
REFER and re-INVITE as on pjsua2's, and no worker may die of it."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.baresip import Baresip
from tests.support.conversation import music_seconds, talk_and_hang_up
from tests.support.pbx import RunningPbx


@pytest.fixture
def baresip_102(pbx: RunningPbx, tmp_path: Path) -> Iterator[Baresip]:
    password = pbx.add_extension("102")
    phone = Baresip(tmp_path / "baresip-102", "102", password, pbx.registrar, pbx.phones.next_address())
    try:
        # It registers as it starts, before the control connection is up: ask the PBX instead.
        deadline = time.monotonic() + 10
        while not any(r["extension"] == "102" for r in (pbx.status() or {}).get("registrations", [])):
            assert time.monotonic() < deadline, "baresip did not register"
            time.sleep(0.3)
        yield phone
    finally:
        phone.close()


def test_blind_transfer_from_baresip(pbx: RunningPbx, baresip_102: Baresip) -> None:
    pids = pbx.worker_pids()
    a = pbx.phone("101", tone_hz=600)
    c = pbx.phone("103", tone_hz=1000)
    a.call("102")
    baresip_102.wait("CALL_ESTABLISHED")
    a.wait("connected")
    time.sleep(1.0)
    baresip_102.command("transfer", "103")
    c.wait("incoming")
    c.answer(200)
    c.wait("connected")
    talk_and_hang_up(a, 600, c, 1000)
    [row] = pbx.wait_cdr(1)
    assert row["answered_by"] == "103" and row["transferred_by"] == "102"
    time.sleep(1.0)
    assert pbx.worker_pids() == pids, "a call worker died"


def test_hold_from_baresip_plays_music(pbx: RunningPbx, baresip_102: Baresip) -> None:
    a = pbx.phone("101", tone_hz=600)
    a.call("102")
    baresip_102.wait("CALL_ESTABLISHED")
    a.wait("connected")
    time.sleep(1.0)
    baresip_102.command("hold")
    time.sleep(3.0)
    baresip_102.command("resume")
    time.sleep(1.5)
    a.hangup()
    heard = a.wait("disconnected")["recording"]
    assert music_seconds(heard) >= 2.0
    [row] = pbx.wait_cdr(1)
    assert row["hold_seconds"] >= 2.0
