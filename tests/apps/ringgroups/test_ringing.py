"""Ring groups on a running PBX: who rings when, who answers, what the caller hears.

Timings come from the phones' own `incoming` and `disconnected` events (monotonic
clock of each phone process, the same host clock), with slack for SIP round trips.
"""
from __future__ import annotations

import time

from tests.support.audio import tone_seconds
from tests.support.pbx import RunningPbx

SLACK = 0.8


def _group(pbx: RunningPbx, *args: str) -> None:
    result = pbx.minipbx("ringgroup", "set", *args)
    assert result.returncode == 0, result.stderr


def test_ring_all_rings_every_member_and_first_answer_wins(pbx: RunningPbx) -> None:
    members = {n: pbx.phone(n, tone_hz=700 + i * 200) for i, n in enumerate(("201", "202", "203"))}
    caller = pbx.phone("101", tone_hz=600)
    _group(pbx, "sales", "--number", "600", "--strategy", "all", "--members", "201,202,203", "--timeout", "20")
    start = time.monotonic()
    caller.call("600")
    rang = {n: p.wait("incoming") for n, p in members.items()}
    assert all(ev["t"] - start < 2.0 for ev in rang.values()), rang
    caller.wait("ringing", code=180)
    members["202"].answer(200)
    caller.wait("connected")
    # The others stop ringing as soon as 202 answers.
    for n in ("201", "203"):
        members[n].wait("disconnected")
    time.sleep(1.5)
    caller.hangup()
    caller.wait("disconnected")
    assert tone_seconds(caller.recording(), 900) > 0.8  # 202's tone
    row = pbx.wait_cdr(1)[-1]
    assert (row["caller"], row["called"], row["answered_by"], row["disposition"]) == ("101", "600", "202",
                                                                                       "answered")
    assert "group sales" in row["route"]


def test_linear_rings_one_after_another(pbx: RunningPbx) -> None:
    first, second = pbx.phone("201"), pbx.phone("202")
    caller = pbx.phone("101")
    _group(pbx, "service", "--number", "601", "--strategy", "linear", "--step", "3", "--members", "201,202",
           "--timeout", "20")
    caller.call("601")
    rang_first = first.wait("incoming")
    second.expect_no("incoming", within=2.0)
    rang_second = second.wait("incoming", timeout=4)
    stopped_first = first.wait("disconnected")
    assert 3.0 - SLACK < rang_second["t"] - rang_first["t"] < 3.0 + SLACK
    # One by one: the first stops when the second starts.
    assert abs(stopped_first["t"] - rang_second["t"]) < SLACK
    second.answer(200)
    caller.wait("connected")
    caller.hangup()
    row = pbx.wait_cdr(1)[-1]
    assert row["answered_by"] == "202"


def test_cascade_keeps_earlier_phones_ringing(pbx: RunningPbx) -> None:
    first, second = pbx.phone("201"), pbx.phone("202")
    caller = pbx.phone("101")
    _group(pbx, "office", "--number", "602", "--strategy", "cascade", "--step", "3", "--members", "201,202",
           "--timeout", "20")
    caller.call("602")
    rang_first = first.wait("incoming")
    rang_second = second.wait("incoming", timeout=5)
    assert 3.0 - SLACK < rang_second["t"] - rang_first["t"] < 3.0 + SLACK
    # The first member still rings and can take the call.
    first.expect_no("disconnected", within=0.5)
    first.answer(200)
    caller.wait("connected")
    second.wait("disconnected")
    caller.hangup()
    assert pbx.wait_cdr(1)[-1]["answered_by"] == "201"


def test_busy_member_skipped_and_no_answer_goes_on(pbx: RunningPbx) -> None:
    busy, free, fallback = pbx.phone("201"), pbx.phone("202"), pbx.phone("203")
    other = pbx.phone("102")
    caller = pbx.phone("101")
    _group(pbx, "support", "--number", "603", "--strategy", "linear", "--step", "2", "--members", "201,202",
           "--timeout", "5", "--no-answer", "ext:203")
    # 201 is on a call: the group must not ring it, it goes straight to 202.
    other.call("201")
    busy.wait("incoming")
    busy.answer(200)
    other.wait("connected")
    caller.call("603")
    free.wait("incoming", timeout=3)
    busy.expect_no("incoming", within=0.5)
    # Nobody answers within the group timeout: the no-answer destination rings.
    fallback.wait("incoming", timeout=8)
    free.wait("disconnected")
    fallback.answer(200)
    caller.wait("connected")
    caller.hangup()
    other.hangup()
    rows = pbx.wait_cdr(2)
    row = next(r for r in rows if r["caller"] == "101")
    assert row["answered_by"] == "203"
    assert "no answer" in row["route"]
