"""Transfers from SIP phones: blind (REFER, or the ## in-call code), attended (REFER with
Replaces after a consultation call), transfer recall, and what cannot be transferred."""
from __future__ import annotations

import time

from tests.support.audio import tone_seconds, tone_segments
from tests.support.conversation import MIN_HEARD, connect, talk_and_hang_up
from tests.support.pbx import RunningPbx
from tests.support.phone import Phone

SIT_HZ = 950


def test_blind_transfer_by_refer(pbx: RunningPbx) -> None:
    pids = pbx.worker_pids()
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=800)
    c = pbx.phone("103", tone_hz=1000)
    connect(a, b, "102")
    b.transfer("103")
    incoming = c.wait("incoming")
    assert incoming["from_user"] == "101"  # the target sees who is being passed to them
    b.wait("disconnected")  # the PBX ends the transferrer's call
    c.answer(200)
    c.wait("connected")
    talk_and_hang_up(a, 600, c, 1000)
    [row] = pbx.wait_cdr(1)
    assert row["caller"] == "101" and row["called"] == "102"
    assert row["answered_by"] == "103"
    assert row["transferred_by"] == "102"
    assert "102 transferred 101 to 103" in row["history"]
    assert pbx.worker_pids() == pids, "a call worker died"


def test_blind_transfer_with_in_call_code(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=800)
    c = pbx.phone("103", tone_hz=1000)
    connect(a, b, "102")
    time.sleep(0.5)
    b.dtmf("##103#")
    c.wait("incoming")
    b.wait("disconnected")
    c.answer(200)
    c.wait("connected")
    talk_and_hang_up(a, 600, c, 1000)
    # The code's digits never reached the caller.
    assert not a.last("dtmf")


def test_unanswered_blind_transfer_rings_the_transferrer_again(pbx: RunningPbx) -> None:
    pbx.set("transfer_recall_seconds", "5")
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=800)
    c = pbx.phone("103", tone_hz=1000)
    connect(a, b, "102")
    b.transfer("103")
    c.wait("incoming")
    first = b.wait("disconnected")
    recall = b.wait("incoming", timeout=12)
    assert recall["t"] - first["t"] >= 4.0
    assert recall["from_user"] == "101"
    c.wait("disconnected")  # the target stopped ringing
    b.answer(200)
    b.wait("connected", call=recall["call"])
    talk_and_hang_up(a, 600, b, 800)
    [row] = pbx.wait_cdr(1)
    assert row["answered_by"] == "102"
    assert "transfer recall to 102" in row["history"]


def test_transfer_to_a_barred_number_keeps_the_call(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=800)
    connect(a, b, "102")
    b.transfer("555")  # no such number
    status = b.wait("transfer_status")
    assert status["code"] >= 300
    time.sleep(4.0)  # the refusal tone, then the conversation goes on
    b.hangup()
    heard_by_b = b.wait("disconnected")["recording"]
    heard_by_a = a.wait("disconnected")["recording"]
    assert tone_seconds(heard_by_b, SIT_HZ) >= 0.2, "the transferrer heard no refusal tone"
    assert tone_seconds(heard_by_b, 600) >= MIN_HEARD
    assert tone_seconds(heard_by_a, 800) >= MIN_HEARD
    [row] = pbx.wait_cdr(1)
    assert row["answered_by"] == "102" and row["transferred_by"] == ""
    assert "transfer refused" in row["history"]


def test_attended_transfer_by_refer_with_replaces(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=800)
    c = pbx.phone("103", tone_hz=1000)
    connect(a, b, "102")
    first = b.last("connected")
    assert first is not None
    b.hold(call=first["call"])
    b.call("103")
    c.wait("incoming")
    c.answer(200)
    second = b.wait("connected", call=first["call"] + 1)
    c.wait("connected")
    time.sleep(0.5)
    b.transfer_to_call(other=second["call"], call=first["call"])
    b.wait("disconnected", call=first["call"])
    b.wait("disconnected", call=second["call"])
    talk_and_hang_up(a, 600, c, 1000)
    rows = pbx.wait_cdr(2)
    transferred = next(r for r in rows if r["caller"] == "101")
    assert transferred["answered_by"] == "103"
    assert transferred["transferred_by"] == "102"
    assert "(attended)" in transferred["history"]


def consult_103(pbx: RunningPbx) -> tuple[Phone, Phone, Phone]:
    """101 calls 102, who keys *2 103 (101 waits with music): the phones, once 103 rings."""
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=800)
    c = pbx.phone("103", tone_hz=1000)
    connect(a, b, "102")
    time.sleep(0.5)
    b.dtmf("*2103")
    c.wait("incoming")
    return a, b, c


def test_consultation_with_star_2_then_hang_up_transfers(pbx: RunningPbx) -> None:
    a, b, c = consult_103(pbx)
    c.answer(200)
    c.wait("connected")
    time.sleep(1.5)  # the transferrer announces the caller
    b.hangup()
    heard_by_b = b.wait("disconnected")["recording"]
    assert tone_seconds(heard_by_b, 1000) >= 0.8, "the transferrer did not talk to the consulted party"
    talk_and_hang_up(a, 600, c, 1000)
    rows = pbx.wait_cdr(2)
    held = next(r for r in rows if r["called"] == "102")
    assert held["answered_by"] == "103" and held["transferred_by"] == "102"
    assert "102 put 101 on hold to consult 103" in held["history"]


def test_consultation_not_answered_gives_the_caller_back(pbx: RunningPbx) -> None:
    a, b, c = consult_103(pbx)
    c.reject(486)
    time.sleep(5.5)  # busy tone for a moment, then the conversation is back
    b.hangup()
    heard_by_b = b.wait("disconnected")["recording"]
    heard_by_a = a.wait("disconnected")["recording"]
    segments = tone_segments(heard_by_a, 800)
    assert segments and segments[-1][1] - segments[-1][0] >= 0.8, "the caller did not get the transferrer back"
    assert tone_seconds(heard_by_b, 600) >= 1.0
