"""Pairing a new DECT handset, walking it from one base station (cell) to another during a
call, and removing it, end to end: the real PBX, the gateway's real DECT driver and the simulated module, a real
SIP phone."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from firmware.gateway.simcontrol import SimError
from tests.gateway.conftest import Board, eventually
from tests.support.audio import tone_seconds
from tests.support.pbx import REPO_ROOT, RunningPbx

TALK = 2.0
MIN_HEARD = 1.2


def _subscribed(board: Board) -> bool:
    try:
        board("subscribe")
    except SimError as exc:
        assert "not accepting registrations" in str(exc)
        return False
    return True


def _handset(pbx: RunningPbx, port: str) -> dict[str, object]:
    listed = pbx.minipbx("dect", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return next((h for h in json.loads(listed.stdout) if h["port"] == port), {})


def test_a_paired_handset_calls_at_once_and_keeps_its_call_across_cells(gateway_pbx: RunningPbx,
                                                                         board: Board) -> None:
    refused = gateway_pbx.minipbx("dect", "pair", "--ext", "100")
    assert refused.returncode == 1 and "extension number 100 is already extension 100" in refused.stderr
    refused = gateway_pbx.minipbx("dect", "pair", "--seconds", "300")
    assert refused.returncode == 1 and "300 s is not accepted; 1-255 seconds" in refused.stderr
    assert not _subscribed(board), "the window is closed until someone opens it"

    pairing = subprocess.Popen([sys.executable, "-m", "firmware.cli.main", "--data", str(gateway_pbx.data_dir),
                                "dect", "pair", "--seconds", "60", "--ext", "150"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)
    try:
        eventually(lambda: _subscribed(board), what="the subscription window opens")
        out, err = pairing.communicate(timeout=30)
    finally:
        pairing.kill()
    assert pairing.returncode == 0, err
    assert "it becomes extension 150" in out
    assert "extension 150: DECT handset dect3 (IPUI 0123456003), cell 1" in out
    handset = eventually(lambda: (h := _handset(gateway_pbx, "dect3")).get("registered") and h,
                         what="dect3's SIP account registered")
    assert handset["extension"] == "150" and handset["ipui"] == "0123456003" and handset["cell"] == 1
    # The front panel's pairing LED blinks while the window the command line opened is open.
    eventually(lambda: board.state()["leds"]["pair"] == "blinking", what="the pairing LED blinks")

    # The new handset calls a SIP phone, without a restart.
    sip = gateway_pbx.phone("301", tone_hz=1000)
    board("lift", port="dect3")
    board("dial", port="dect3", digits="301")
    incoming = sip.wait("incoming", timeout=15)
    assert incoming["from_user"] == "150"
    board("record", port="dect3")
    sip.answer(200)
    sip.wait("connected")
    board("speak", port="dect3", hz=600)
    eventually(lambda: tone_seconds(board.heard("dect3"), 1000) >= MIN_HEARD, what="dect3 hears the SIP phone")
    time.sleep(TALK)

    # Walking to the second base station: the call goes on, audio both ways.
    moved = time.monotonic()
    board("move", port="dect3", cell=2)
    board("speak", port="dect3", hz=800)
    eventually(lambda: _handset(gateway_pbx, "dect3").get("cell") == 2, what="dect list shows cell 2")
    eventually(lambda: tone_seconds(board.heard("dect3", since=moved), 1000) >= MIN_HEARD,
               what="dect3 hears the SIP phone after the handover")
    time.sleep(TALK)
    assert board.phone("dect3")["connected"] and board.phone("dect3")["cell"] == 2
    sip.hangup()
    sip.wait("disconnected")
    eventually(lambda: board.phone("dect3")["released"], what="dect3 released by the far end")
    board("hang_up", port="dect3")
    recording = sip.recording()
    assert tone_seconds(recording, 600) >= MIN_HEARD, "the SIP phone did not hear the handset before the handover"
    assert tone_seconds(recording, 800) >= MIN_HEARD, "the SIP phone did not hear the handset after the handover"
    log = (gateway_pbx.data_dir / "logs" / "gateway.log").read_text()
    assert "handset 3 moved from cell 1 to cell 2 during a call" in log

    # Removed: the module forgets the handset, its extension stays without a phone, nothing rings.
    removed = gateway_pbx.minipbx("dect", "remove", "150")
    assert removed.returncode == 0, removed.stderr
    assert "DECT handset dect3 deregistered; it can no longer call. Extension 150 kept" in removed.stdout
    assert _handset(gateway_pbx, "dect3") == {}
    with pytest.raises(SimError, match="no simulated phone 'dect3'"):
        board("lift", port="dect3")
    sip.call("150")
    # The edge forgot the handset's registration when it went: nothing rings, the caller hears
    # "unavailable" (480), not another handset of the same SIP agent.
    assert sip.wait("disconnected", timeout=15)["code"] == 480
    assert not any(board.phone(port)["ringing"] for port in ("dect1", "dect2"))
    assert any(line.split()[0] == "150" for line in gateway_pbx.minipbx("ext", "list").stdout.splitlines()[1:])
