"""Call queues on a running PBX with real phones: callers wait with music and hear their
position, are served in order, an agent who does not answer is passed over, a caller who
waits too long goes to the overflow, agents log in from their phone, a caller who asks to be
called back is, through the provider's line; the figures count it; an outside number is an
agent, hears the queue's whisper, then talks to the caller."""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from tests.support.audio import tone_seconds
from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx
from tests.support.prompts import heard, seconds
from tests.support.provider import FakeProvider
from tests.support.trunking import DID, add_trunk, pstn_phone, wait_trunk


def _queue(pbx: RunningPbx, *args: str) -> None:
    result = pbx.minipbx("queue", "set", "sales", "--number", "600", "--overflow", "ext:150", *args)
    assert result.returncode == 0, result.stderr


def _stats(pbx: RunningPbx) -> list[dict[str, object]]:
    result = pbx.minipbx("queue", "stats", "sales", "--json")
    assert result.returncode == 0, result.stderr
    stats: list[dict[str, object]] = json.loads(result.stdout)
    return stats


def test_callers_hear_their_position_and_are_served_in_order_with_wrap_up(pbx: RunningPbx) -> None:
    agent = pbx.phone("201", tone_hz=700)
    colleague = pbx.phone("103")
    first, second = pbx.phone("101", tone_hz=600), pbx.phone("102", tone_hz=800)
    pbx.add_extension("150")
    _queue(pbx, "--strategy", "linear", "--agents", "201", "--wrapup-seconds", "3", "--announce-seconds", "0")
    # The only agent is on a call: the callers wait.
    colleague.call("201")
    agent.wait("incoming")
    agent.answer(200)
    colleague.wait("connected")
    first.call("600")
    first.wait("connected")  # the queue answers: music and the position
    time.sleep(1.0)
    second.call("600")
    second.wait("connected")
    time.sleep(3.5)
    shown = pbx.minipbx("queue", "show", "sales").stdout
    waiting = shown[shown.index("POS"):].splitlines()[1:3]
    assert [line.split()[:2] for line in waiting] == [["1", "101"], ["2", "102"]], shown
    colleague.hangup()
    agent.wait("disconnected")
    # The first caller is served first, even though both waited.
    rang = agent.wait("incoming", timeout=10)
    assert rang["from_user"] == "101" and rang["display_name"].startswith("sales: "), rang
    agent.answer(200)
    time.sleep(2.0)
    agent.hangup()
    hung_up = time.monotonic()
    first.wait("disconnected")
    rang = agent.wait("incoming", timeout=15)
    assert rang["from_user"] == "102"
    assert time.monotonic() - hung_up >= 3.0 - 0.3, "the agent's wrap-up is respected"
    agent.answer(200)
    time.sleep(1.5)
    agent.hangup()
    second.wait("disconnected")
    assert heard(first.recording(), "caller-number") and heard(first.recording(), "num-1")
    assert heard(second.recording(), "num-2")
    assert tone_seconds(first.recording(), 700) > 1.0  # the agent's voice once served
    rows = [r for r in pbx.wait_cdr(3) if r["called"] == "600"]
    assert [(r["caller"], r["answered_by"]) for r in rows] == [("101", "201"), ("102", "201")]
    [sales] = _stats(pbx)
    assert (sales["offered"], sales["answered"], sales["abandoned"]) == (2, 2, 0), sales


def test_an_agent_who_does_not_answer_is_passed_over_and_a_long_wait_overflows(pbx: RunningPbx) -> None:
    sleepy, awake = pbx.phone("201"), pbx.phone("202", tone_hz=900)
    overflow = pbx.phone("150")
    caller = pbx.phone("101", tone_hz=600)
    _queue(pbx, "--strategy", "linear", "--agents", "201,202", "--ring-seconds", "5", "--retry-seconds", "1")
    caller.call("600")
    caller.wait("connected")
    sleepy.wait("incoming", timeout=10)
    rang = awake.wait("incoming", timeout=10)  # after 5 s ringing and the 1 s pause
    assert sleepy.wait("disconnected")["t"] <= rang["t"] + 0.5
    awake.answer(200)
    time.sleep(1.5)
    caller.hangup()
    awake.wait("disconnected")
    assert tone_seconds(caller.recording(), 900) > 0.8
    # Now nobody answers, and the caller may wait 6 s at most: then the overflow rings.
    _queue(pbx, "--agents", "201", "--max-wait", "6")
    late = pbx.phone("102")
    late.call("600")
    late.wait("connected")
    started = time.monotonic()
    overflow.wait("incoming", timeout=15)
    assert 6.0 - 0.5 <= time.monotonic() - started <= 6.0 + 2.5
    late.hangup()
    [sales] = _stats(pbx)
    assert (sales["offered"], sales["answered"], sales["overflowed"]) == (2, 1, 1), sales


def test_an_agent_logs_in_from_the_phone_and_takes_the_next_caller(pbx: RunningPbx) -> None:
    agent = pbx.phone("201", tone_hz=700)
    pbx.add_extension("150")
    _queue(pbx, "--agents", "201~", "--join-empty", "yes")
    agent.call("*45600")
    agent.wait("connected")
    agent.wait("disconnected", timeout=10)  # the PBX says so and hangs up
    assert heard(agent.recording(), "queue-logged-in")
    shown = json.loads(pbx.minipbx("queue", "show", "sales", "--json").stdout)
    assert shown["agents"][0]["logged_in"] is True, shown
    caller = pbx.phone("101", tone_hz=600)
    caller.call("600")
    agent.wait("incoming", timeout=10)
    agent.answer(200)
    time.sleep(1.5)
    caller.hangup()
    agent.wait("disconnected")
    assert tone_seconds(agent.recording(), 600) > 0.8


def test_a_caller_asks_to_be_called_back_and_is_when_an_agent_is_free(
        pbx: RunningPbx, provider: FakeProvider, phone_factory: PhoneFactory) -> None:
    add_trunk(pbx, provider)
    agent, colleague = pbx.phone("201", tone_hz=700), pbx.phone("103")
    pbx.add_extension("150")
    _queue(pbx, "--agents", "201", "--callback-key", "2", "--callback-modes", "day,lunch,break,night,holiday",
           "--announce-seconds", "0")
    assert pbx.minipbx("route", "set", "prov", "queue:sales").returncode == 0
    wait_trunk(pbx, "prov", "registered")
    customer = pstn_phone(phone_factory, provider, "5550001", tone_hz=600)
    # The only agent is on a call: the customer waits, hears how to ask for a callback, asks.
    colleague.call("201")
    agent.wait("incoming")
    agent.answer(200)
    colleague.wait("connected")
    customer.call(f"sip:{DID}@{provider.registrar}")
    customer.wait("connected")
    time.sleep(seconds("caller-number", "num-1", "callback-press", "digit-2") + 0.8)
    customer.dtmf("2")
    time.sleep(seconds("callback-at", *(f"digit-{d}" for d in "5550001"), "callback-confirm") + 0.8)
    customer.dtmf("1")  # yes, this number
    customer.wait("disconnected", timeout=15)
    assert heard(customer.recording(), "callback-booked")
    [request] = _callbacks(pbx)
    assert (request["number"], request["state"]) == ("05550001", "waiting"), request
    # The agent is free: their phone rings first, then the customer's.
    colleague.hangup()
    agent.wait("disconnected")
    rang = agent.wait("incoming", timeout=10)
    assert rang["display_name"] == "callback 05550001", rang
    agent.answer(200)
    incoming = customer.wait("incoming", timeout=15)
    customer.answer(200, call=incoming["call"])
    time.sleep(2.0)
    agent.hangup()
    customer.wait("disconnected")
    assert tone_seconds(customer.recording(), 700) > 1.0  # the agent talked to the customer
    [request] = _callbacks(pbx)
    assert (request["state"], request["agent"]) == ("done", "201"), request
    [sales] = _stats(pbx)
    assert (sales["callbacks_requested"], sales["callbacks_completed"]) == (1, 1), sales


def _callbacks(pbx: RunningPbx) -> list[dict[str, object]]:
    result = pbx.minipbx("queue", "callbacks", "sales", "--json")
    assert result.returncode == 0, result.stderr
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


def test_an_outside_agent_hears_the_whisper_then_talks_to_the_caller(
        pbx: RunningPbx, provider: FakeProvider, phone_factory: PhoneFactory, tmp_path: Path) -> None:
    add_trunk(pbx, provider)
    whisper = tmp_path / "whisper.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(whisper), "synth", "1.5", "sine", "1400",
                    "vol", "0.5"], check=True)
    assert pbx.minipbx("prompt", "upload", "sales-line", str(whisper)).returncode == 0
    pbx.add_extension("150")
    _queue(pbx, "--agents", "number:05550002", "--whisper", "sales-line", "--show-wait", "yes",
           "--announce-seconds", "0")
    wait_trunk(pbx, "prov", "registered")
    mobile = pstn_phone(phone_factory, provider, "5550002", tone_hz=700)
    caller = pbx.phone("101", tone_hz=1000)
    caller.call("600")
    caller.wait("connected")
    rang = mobile.wait("incoming", timeout=15)  # the home worker's mobile, through the provider
    mobile.answer(200, call=rang["call"])
    time.sleep(4.0)  # the whisper (1.5 s), then the conversation
    caller.hangup()
    mobile.wait("disconnected")
    assert tone_seconds(mobile.recording(), 1400) > 1.0, "the agent heard the whisper"
    assert tone_seconds(mobile.recording(), 1000) > 1.0, "then the caller"
    assert tone_seconds(caller.recording(), 700) > 1.0, "the caller talked to the agent"
    assert tone_seconds(caller.recording(), 1400) < 0.2, "the whisper is for the agent alone"
    [sales] = _stats(pbx)
    assert (sales["offered"], sales["answered"]) == (1, 1), sales
    assert [a["extension"] for a in sales["agents"] if a["answered"]] == ["number:05550002"], sales  # type: ignore[attr-defined, index]
