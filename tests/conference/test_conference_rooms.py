"""A conference room heard by its parties: real pjsua2 phones through the real edge and four
call workers (the parties land on different workers, so the room's mix crosses them)."""
from __future__ import annotations

import time

from tests.support.audio import tone_seconds
from tests.support.pbx import RunningPbx

# Each party's tone; none is a join/leave tone (600, 900 Hz) or a note of the hold music.
TONES = {"101": 350, "102": 750, "103": 1050, "104": 1250}


def test_four_parties_each_hear_the_other_three(pbx: RunningPbx) -> None:
    assert pbx.minipbx("conf", "set", "800", "--name", "Weekly").returncode == 0
    phones = {number: pbx.phone(number, tone_hz=hz) for number, hz in TONES.items()}
    for number, phone in phones.items():
        phone.call("800")
        phone.wait("connected")
        time.sleep(2.5 if number == "101" else 0.8)  # the first hears "you are the only participant"
    time.sleep(3.0)
    who = pbx.minipbx("conf", "who", "800")
    assert who.returncode == 0 and "4 in the room" in who.stdout, who.stdout + who.stderr
    shown = pbx.minipbx("status").stdout
    [line] = [line for line in shown.splitlines() if "conference 800:" in line]
    assert sorted(line.split(":", 1)[1].replace(",", " ").split()) == ["101", "102", "103", "104"], shown
    status = pbx.status()
    assert status is not None
    workers = {w["number"] for w in status["workers"]}
    assert len(workers) >= 2
    for phone in phones.values():
        phone.hangup()
    for number, phone in phones.items():
        heard = phone.wait("disconnected")["recording"]
        for other, hz in TONES.items():
            seconds = tone_seconds(heard, hz)
            if other == number:
                assert seconds < 0.5, f"{number} heard itself for {seconds:.1f} s"
            else:
                assert seconds >= 2.0, f"{number} heard {other} for only {seconds:.1f} s"
    rows = pbx.wait_cdr(4)
    assert {r["hangup_cause"] for r in rows} == {"conference 800"}


def test_star_three_makes_a_three_way_call_and_the_two_stay_when_the_builder_leaves(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=350)
    b = pbx.phone("102", tone_hz=750)
    c = pbx.phone("103", tone_hz=1050)
    a.call("102")
    b.wait("incoming")
    b.answer(200)
    a.wait("connected")
    time.sleep(0.5)
    b.dtmf("*3103")
    c.wait("incoming")
    c.answer(200)
    c.wait("connected")
    time.sleep(3.0)
    b.hangup()  # the one who made it leaves; the other two talk on
    heard_by_b = b.wait("disconnected")["recording"]
    a.expect_no("disconnected", within=0.5)
    time.sleep(2.0)
    c.hangup()
    heard_by_c = c.wait("disconnected")["recording"]
    heard_by_a = a.wait("disconnected")["recording"]  # alone: let go
    assert tone_seconds(heard_by_b, 350) >= 2.0 and tone_seconds(heard_by_b, 1050) >= 2.0
    assert tone_seconds(heard_by_c, 350) >= 4.0 and tone_seconds(heard_by_c, 750) >= 2.0
    assert tone_seconds(heard_by_a, 1050) >= 4.0
    rows = pbx.wait_cdr(2)
    assert all("102 joined 101 and 103 in a three-way call" in r["history"] for r in rows)
