"""In a conversation: keys pressed reach the other party, hold gives music, resume brings
the conversation back. Real phones (pjsua2 processes) through the real edge and workers."""
from __future__ import annotations

import time

from tests.support.audio import tone_seconds, tone_segments
from tests.support.conversation import connect, music_seconds
from tests.support.pbx import RunningPbx


def test_keys_pass_through_a_call_both_ways(pbx: RunningPbx) -> None:
    a = pbx.phone("101")
    b = pbx.phone("102")
    connect(a, b, "102")
    time.sleep(0.5)
    a.dtmf("12")
    assert [b.wait("dtmf", digit=d)["digit"] for d in "12"] == ["1", "2"]
    b.dtmf("9")
    assert a.wait("dtmf")["digit"] == "9"
    # '#' could start an in-call code: it is held for a moment, then passed on.
    a.dtmf("#5")
    assert b.wait("dtmf", digit="#")["digit"] == "#"
    assert b.wait("dtmf", digit="5")["digit"] == "5"
    a.hangup()
    b.wait("disconnected")


def test_hold_plays_music_to_the_held_party_and_resume_brings_them_back(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=1000)
    connect(a, b, "102")
    time.sleep(1.5)
    b.hold()
    time.sleep(3.0)
    b.resume()
    time.sleep(2.0)
    a.hangup()
    heard_by_a = a.wait("disconnected")["recording"]
    heard_by_b = b.wait("disconnected")["recording"]
    # The held party heard music while on hold, and the holder again afterwards.
    assert music_seconds(heard_by_a) >= 2.0, "the held party heard no music on hold"
    talk = tone_segments(heard_by_a, 1000)
    assert talk and talk[-1][0] > 3.5 and talk[-1][1] - talk[-1][0] >= 1.2, \
        f"the conversation did not come back after resume: {talk}"
    # The holder heard no music, and the other party before and after the hold.
    assert music_seconds(heard_by_b) < 0.3
    assert tone_seconds(heard_by_b, 600) >= 2.0
    [row] = pbx.wait_cdr(1)
    assert row["answered_by"] == "102"
    assert 2.0 <= row["hold_seconds"] <= 8.0
    assert "102 put 101 on hold" in row["history"]


def test_intercom_the_called_phone_answers_by_itself(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=1000)
    a.call("*80102")
    incoming = b.wait("incoming")
    # What Yealink, Grandstream and Snom phones answer on by themselves (this test phone too).
    assert incoming["call_info"].endswith(";answer-after=0"), incoming
    assert "info=alert-autoanswer" in incoming["alert_info"], incoming
    a.wait("connected")
    b.wait("connected")
    time.sleep(2.0)
    a.hangup()
    heard_by_b = b.wait("disconnected")["recording"]
    assert tone_seconds(heard_by_b, 600) >= 1.2  # the announcement reached the desk
    [row] = pbx.wait_cdr(1)
    assert row["answered_by"] == "102" and "intercom to 102" in row["route"]
