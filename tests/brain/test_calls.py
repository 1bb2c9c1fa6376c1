"""Calls between extensions through the real edge, workers and brain.

Every phone is a pjsua2 process that sends its own tone into the call and records
what it hears; audio is checked by tone detection on those recordings.
"""
from __future__ import annotations

import time

from tests.support.audio import tone_seconds
from tests.support.conversation import connect
from tests.support.pbx import RunningPbx
from tests.support.phone import Phone

TALK_SECONDS = 2.0
# Each direction must carry the far end's tone for most of the talk time.
MIN_HEARD = 1.2
SIT_HZ = (950, 1400, 1800)


def assert_two_way_audio(a: Phone, a_hz: int, b: Phone, b_hz: int) -> None:
    heard_by_a, heard_by_b = a.recording(), b.recording()
    assert tone_seconds(heard_by_a, b_hz) >= MIN_HEARD, "caller did not hear the callee"
    assert tone_seconds(heard_by_b, a_hz) >= MIN_HEARD, "callee did not hear the caller"
    # Not an echo: nobody hears their own tone.
    assert tone_seconds(heard_by_a, a_hz) < 0.2
    assert tone_seconds(heard_by_b, b_hz) < 0.2


def test_register_with_right_and_wrong_password(pbx: RunningPbx) -> None:
    good = pbx.phone("101")
    assert good.register() == 200
    wrong = pbx.phone("102", register=False, password="Wrong-password-42")
    unknown = pbx.phones("555", registrar=pbx.registrar, password="Whatever-pass-42")
    # The unknown user must not be told apart from a wrong password.
    assert wrong.register() == unknown.register() == 401
    status = pbx.status()
    assert status is not None
    assert [r["extension"] for r in status["registrations"]] == ["101"]


def test_call_answered_audio_both_ways_caller_hangs_up(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600, display_name="Alice")
    b = pbx.phone("102", tone_hz=1000)
    a.call("102")
    incoming = b.wait("incoming")
    assert incoming["from_user"] == "101"
    assert incoming["display_name"] == "Extension 101"  # the name the PBX holds, not what the phone claims
    a.wait("ringing", code=180)
    b.answer(200)
    a.wait("connected")
    b.wait("connected")
    time.sleep(TALK_SECONDS)
    a.hangup()
    a.wait("disconnected")
    b.wait("disconnected")
    assert_two_way_audio(a, 600, b, 1000)
    [row] = pbx.wait_cdr(1)
    assert (row["caller"], row["called"], row["answered_by"]) == ("101", "102", "102")
    assert (row["disposition"], row["direction"]) == ("answered", "internal")
    assert row["hangup_by"] == "caller"
    assert row["talk_seconds"] >= TALK_SECONDS - 0.5
    assert row["answered_at"] is not None and row["started_at"] <= row["answered_at"] <= row["ended_at"]


def test_callee_hangs_up(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=1000)
    connect(a, b, "102")
    time.sleep(TALK_SECONDS)
    b.hangup()
    a.wait("disconnected")
    b.wait("disconnected")
    assert_two_way_audio(a, 600, b, 1000)
    [row] = pbx.wait_cdr(1)
    assert row["hangup_by"] == "callee" and row["hangup_cause"] == "callee hung up"


def test_caller_cancels_while_ringing(pbx: RunningPbx) -> None:
    a = pbx.phone("101")
    b = pbx.phone("102")
    a.call("102")
    b.wait("incoming")
    a.wait("ringing")
    a.hangup()
    a.wait("disconnected")
    # The ringing phone stops ringing (CANCEL) and never gets connected.
    gone = b.wait("disconnected")
    assert gone["code"] == 487
    [row] = pbx.wait_cdr(1)
    assert row["disposition"] == "cancelled"
    assert row["answered_by"] is None
    assert row["hangup_by"] == "caller"


def test_extension_in_a_call_is_busy(pbx: RunningPbx) -> None:
    a = pbx.phone("101")
    b = pbx.phone("102")
    c = pbx.phone("103")
    connect(a, b, "102")
    c.call("102")
    assert c.wait("disconnected")["code"] == 486
    # The busy extension's phone never rang for the second caller.
    b.expect_no("incoming", within=0.5)
    a.hangup()
    rows = pbx.wait_cdr(2)
    busy = next(r for r in rows if r["caller"] == "103")
    assert busy["disposition"] == "busy" and busy["answered_by"] is None


def test_phone_that_rejects_busy(pbx: RunningPbx) -> None:
    a = pbx.phone("101")
    b = pbx.phone("102")
    a.call("102")
    b.wait("incoming")
    b.reject(486)
    assert a.wait("disconnected")["code"] == 486
    [row] = pbx.wait_cdr(1)
    assert row["disposition"] == "busy" and row["hangup_by"] == "callee"


def test_unknown_number_hears_not_available_tone(pbx: RunningPbx) -> None:
    a = pbx.phone("101")
    a.call("199")
    ended = a.wait("disconnected", timeout=15)
    assert ended["code"] == 404
    heard = a.recording()
    for hz in SIT_HZ:
        assert tone_seconds(heard, hz) >= 0.3, f"special information tone {hz} Hz not heard"
    [row] = pbx.wait_cdr(1)
    assert (row["disposition"], row["hangup_cause"]) == ("unavailable", "unknown number")


def test_unregistered_extension_hears_not_available_tone(pbx: RunningPbx) -> None:
    pbx.add_extension("103")
    a = pbx.phone("101")
    a.call("103")
    ended = a.wait("disconnected", timeout=15)
    assert ended["code"] == 480
    assert tone_seconds(a.recording(), 1400) >= 0.3
    [row] = pbx.wait_cdr(1)
    assert row["disposition"] == "unavailable"
    assert row["hangup_cause"].startswith("extension not reachable")


def test_no_answer_gives_up_after_ring_timeout(pbx: RunningPbx) -> None:
    pbx.set("ring_timeout", "5")
    a = pbx.phone("101")
    b = pbx.phone("102")
    a.call("102")
    b.wait("incoming")
    ended = a.wait("disconnected", timeout=20)
    assert ended["code"] == 480
    b.wait("disconnected")  # stopped ringing
    [row] = pbx.wait_cdr(1)
    assert row["disposition"] == "no_answer"
    assert row["hangup_cause"] == "no answer within 5 s"
    elapsed = _seconds_between(row["started_at"], row["ended_at"])
    assert 4.5 <= elapsed < 15


def test_call_rings_every_registered_phone_of_the_extension(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    desk = pbx.phone("102", tone_hz=1000)
    soft = pbx.phone("102", tone_hz=1500)
    a.call("102")
    desk.wait("incoming")
    soft.wait("incoming")
    soft.answer(200)
    a.wait("connected")
    # The other phone stops ringing once one answered.
    desk.wait("disconnected")
    time.sleep(TALK_SECONDS)
    a.hangup()
    a.wait("disconnected")
    soft.wait("disconnected")
    assert_two_way_audio(a, 600, soft, 1500)
    [row] = pbx.wait_cdr(1)
    assert row["answered_by"] == "102"


def test_phone_over_tcp(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600, transport="tcp")
    b = pbx.phone("102", tone_hz=1000, transport="tcp")
    connect(a, b, "102")
    time.sleep(TALK_SECONDS)
    b.hangup()
    a.wait("disconnected")
    assert_two_way_audio(a, 600, b, 1000)


def _seconds_between(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
