"""Call pickup (*8 for the pickup group, **EXT directed) and call park (transfer to 700,
dial the slot to take the call, park timeout rings the parker)."""
from __future__ import annotations

import time

from tests.support.conversation import connect, music_seconds, talk_and_hang_up
from tests.support.pbx import RunningPbx


def test_group_pickup_answers_a_ringing_colleague(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102")
    c = pbx.phone("103", tone_hz=1000)
    a.call("102")
    b.wait("incoming")
    a.wait("ringing")
    c.call("*8")
    c.wait("connected")
    a.wait("connected")
    b.wait("disconnected")  # it stops ringing at the colleague's desk
    status = pbx.status()
    assert status is not None
    [call] = status["active_calls"]
    # New calls go to the workers in turn: caller and picker sit on two, joined by a link.
    assert status["links"] == (1 if len(call["party_workers"]) == 2 else 0), status
    talk_and_hang_up(a, 600, c, 1000)
    [row] = pbx.wait_cdr(1)
    assert row["called"] == "102" and row["answered_by"] == "103"
    assert "picked up by 103 (ringing at 102)" in row["history"]


def test_directed_pickup_and_exclusion(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102")
    c = pbx.phone("103", tone_hz=1000)
    # 103 is in another pickup group: *8 finds nothing, **102 still works.
    assert pbx.minipbx("pickup", "set", "103", "sales").returncode == 0
    a.call("102")
    b.wait("incoming")
    c.call("*8")
    refused = c.wait("disconnected")
    assert refused["code"] == 404
    c.call("**102")
    c.wait("connected")
    a.wait("connected")
    b.wait("disconnected")
    talk_and_hang_up(a, 600, c, 1000)
    # An excluded extension cannot be picked up.
    assert pbx.minipbx("pickup", "set", "102", "none").returncode == 0
    a.call("102")
    b.wait("incoming", call=2)
    c.call("**102")
    assert c.wait("disconnected", call=3)["code"] == 404
    a.hangup()


def test_park_and_retrieve_from_another_phone(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=800)
    c = pbx.phone("103", tone_hz=1000)
    connect(a, b, "102")
    b.transfer("700")
    b.wait("disconnected", timeout=10)  # after hearing the slot
    time.sleep(2.0)
    status = pbx.status()
    assert status is not None
    assert status["parked"] == [{"slot": "701", "parker": "102"}]
    c.call("701")
    c.wait("connected")
    heard_by_a, _ = talk_and_hang_up(a, 600, c, 1000)
    assert music_seconds(heard_by_a) >= 1.0, "the parked caller heard no music"
    [row] = pbx.wait_cdr(1)
    assert row["answered_by"] == "103"
    assert "102 parked 101 at 701" in row["history"]
    assert "103 took the call parked at 701" in row["history"]


def test_parked_call_rings_the_parker_after_the_timeout(pbx: RunningPbx) -> None:
    pbx.set("park_timeout", "10")
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=800)
    connect(a, b, "102")
    b.transfer("700")
    parked = b.wait("transfer_status")
    b.wait("disconnected", timeout=10)
    back = b.wait("incoming", timeout=20)
    assert back["t"] - parked["t"] >= 9.0
    b.answer(200)
    b.wait("connected", call=back["call"])
    talk_and_hang_up(a, 600, b, 800)
    [row] = pbx.wait_cdr(1)
    assert "ringing 102" in row["history"]


def test_nothing_parked_at_the_slot(pbx: RunningPbx) -> None:
    c = pbx.phone("103")
    c.call("705")
    assert c.wait("disconnected")["code"] == 404
    assert pbx.minipbx("ext", "add", "705", "--name", "Clash").returncode == 1
