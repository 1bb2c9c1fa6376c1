"""Call forwarding and do-not-disturb on a running PBX, set from the CLI and from the phone."""
from __future__ import annotations

import time

from tests.support.audio import tone_seconds
from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx
from tests.support.provider import FakeProvider
from tests.support.trunking import add_trunk, pstn_phone, wait_trunk

SLACK = 0.8


def _cli(pbx: RunningPbx, *args: str) -> str:
    result = pbx.minipbx(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_forward_always_rings_the_target_instead(pbx: RunningPbx) -> None:
    desk, colleague = pbx.phone("201"), pbx.phone("202", tone_hz=900)
    caller = pbx.phone("101")
    _cli(pbx, "fwd", "set", "201", "always", "ext:202")
    caller.call("201")
    colleague.wait("incoming")
    desk.expect_no("incoming", within=0.5)
    colleague.answer(200)
    caller.wait("connected")
    time.sleep(1.0)
    caller.hangup()
    caller.wait("disconnected")
    assert tone_seconds(caller.recording(), 900) > 0.5
    row = pbx.wait_cdr(1)[-1]
    assert (row["called"], row["answered_by"]) == ("201", "202")
    assert "forwarded by 201" in row["route"]


def test_forward_on_busy(pbx: RunningPbx) -> None:
    desk, colleague, other = pbx.phone("201"), pbx.phone("202"), pbx.phone("102")
    caller = pbx.phone("101")
    _cli(pbx, "fwd", "set", "201", "busy", "ext:202")
    other.call("201")
    desk.wait("incoming")
    desk.answer(200)
    other.wait("connected")
    caller.call("201")
    colleague.wait("incoming")
    desk.expect_no("incoming", within=0.5)
    colleague.answer(200)
    caller.wait("connected")
    caller.hangup()
    other.hangup()
    row = next(r for r in pbx.wait_cdr(2) if r["caller"] == "101")
    assert row["answered_by"] == "202"
    assert "201 extension busy" in row["route"]


def test_forward_on_no_answer_after_the_set_seconds(pbx: RunningPbx) -> None:
    desk, mobile_like = pbx.phone("201"), pbx.phone("202")
    caller = pbx.phone("101")
    _cli(pbx, "fwd", "set", "201", "no-answer", "ext:202", "--after", "5")
    caller.call("201")
    rang = desk.wait("incoming")
    rang_target = mobile_like.wait("incoming", timeout=8)
    stopped = desk.wait("disconnected")
    assert 5.0 - SLACK < rang_target["t"] - rang["t"] < 5.0 + SLACK
    assert abs(stopped["t"] - rang_target["t"]) < SLACK
    mobile_like.answer(200)
    caller.wait("connected")
    caller.hangup()
    row = pbx.wait_cdr(1)[-1]
    assert row["answered_by"] == "202"
    assert "201 no answer" in row["route"]


def test_forward_when_unregistered(pbx: RunningPbx) -> None:
    pbx.add_extension("201")  # no phone registered
    colleague = pbx.phone("202")
    caller = pbx.phone("101")
    _cli(pbx, "fwd", "set", "201", "unregistered", "ext:202")
    caller.call("201")
    colleague.wait("incoming")
    colleague.answer(200)
    caller.wait("connected")
    caller.hangup()
    assert pbx.wait_cdr(1)[-1]["answered_by"] == "202"


def test_do_not_disturb_gives_busy_or_the_busy_forwarding(pbx: RunningPbx) -> None:
    desk, colleague = pbx.phone("201"), pbx.phone("202")
    caller = pbx.phone("101")
    _cli(pbx, "dnd", "201", "on")
    caller.call("201")
    assert caller.wait("disconnected")["code"] == 486
    desk.expect_no("incoming", within=0.3)
    _cli(pbx, "fwd", "set", "201", "busy", "ext:202")
    caller.call("201")
    colleague.wait("incoming")
    desk.expect_no("incoming", within=0.3)
    caller.hangup()
    _cli(pbx, "dnd", "201", "off")
    caller.call("201")
    desk.wait("incoming")
    caller.hangup()
    rows = pbx.wait_cdr(3)
    assert (rows[0]["disposition"], rows[0]["hangup_cause"]) == ("busy", "do not disturb")
    assert "201 do not disturb" in rows[1]["route"]


def test_forwarding_loop_ends_at_voicemail_without_a_storm(pbx: RunningPbx) -> None:
    a, b = pbx.phone("201"), pbx.phone("202")
    caller = pbx.phone("101")
    _cli(pbx, "fwd", "set", "201", "always", "ext:202")
    _cli(pbx, "fwd", "set", "202", "always", "ext:201")
    caller.call("201")
    caller.wait("connected")  # the voicemail of 201 answers
    a.expect_no("incoming", within=1.0)
    b.expect_no("incoming", within=0.1)
    caller.hangup()
    row = pbx.wait_cdr(1)[-1]
    assert "forwarding loop" in row["route"]
    assert row["disposition"] == "voicemail"
    # One call record, not a storm of calls.
    time.sleep(0.5)
    assert len(pbx.cdr()) == 1


def test_forward_to_a_mobile_within_the_class_of_service(pbx: RunningPbx, provider: FakeProvider,
                                                         phone_factory: PhoneFactory) -> None:
    add_trunk(pbx, provider)
    desk = pbx.phone("201")
    caller = pbx.phone("101", tone_hz=600)
    wait_trunk(pbx, "prov", "registered")
    mobile = pstn_phone(phone_factory, provider, "5550001", tone_hz=1400)
    _cli(pbx, "fwd", "set", "201", "no-answer", "number:05550001", "--after", "5")
    caller.call("201")
    desk.wait("incoming")
    mobile.wait("incoming", timeout=10)
    mobile.answer(200)
    caller.wait("connected")
    time.sleep(1.5)
    caller.hangup()
    caller.wait("disconnected")
    assert tone_seconds(caller.recording(), 1400) > 0.8
    row = pbx.wait_cdr(1)[-1]
    assert (row["answered_by"], row["trunk"]) == ("5550001", "prov")
    # Barred for 201's class of service: the forwarding does not go out.
    _cli(pbx, "cos", "assign", "201", "internal")
    caller.call("201")
    desk.wait("incoming")
    mobile.expect_no("incoming", within=6.5)
    assert caller.wait("disconnected", timeout=10)["code"] in (403, 480)
