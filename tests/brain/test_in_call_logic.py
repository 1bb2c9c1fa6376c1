"""Call-control transitions through the fake channel: no Kamailio, no pjsua2, a real sqlite
store. Each test is one scenario of worker events and the commands the switch answers with."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from firmware.brain.calls import CallState
from firmware.brain.switch import REFUSAL_TONE_SECONDS
from firmware.calls import camp_on
from firmware.calls.keys import HOLD_SECONDS
from firmware.calls.music import default_melody
from firmware.calls.pickup import set_pickup_group
from firmware.media.tones import tone
from firmware.trunks.inbound import RouteError, set_route
from tests.support.fake_channel import FakePbx, FakeWorker, fake_pbx, run

Scenario = Callable[[FakePbx], Awaitable[None]]


@pytest.fixture
def fake(tmp_path: Path) -> FakePbx:
    return fake_pbx(tmp_path, ("101", "102", "103", "104"))



def test_answered_call_is_bridged_on_its_worker(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        assert w.last("bridge") == {"type": "bridge", "a": a, "b": b}
        [call] = fake.switch.calls.values()
        assert call.state is CallState.ANSWERED and call.extensions == {a: "101", b: "102"}
    run(scenario())


def test_digits_are_relayed_and_code_starts_are_held(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        w.event("dtmf", leg=a, digit="5")
        assert w.last("dtmf", b)["digits"] == "5"
        w.event("dtmf", leg=b, digit="#")
        assert not w.commands("dtmf", a), "a # that may start ## went through at once"
        await asyncio.sleep(HOLD_SECONDS + 0.2)
        assert w.last("dtmf", a)["digits"] == "#"
    run(scenario())


def test_hold_gives_music_and_resume_bridges_again(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        w.clear()
        w.event("held", leg=b)
        assert w.last("unbridge") == {"type": "unbridge", "a": b, "b": a}
        music = w.last("music", a)
        assert music["files"] and music["files"][0].endswith(".wav")
        w.event("resumed", leg=b)
        assert w.last("bridge")["type"] == "bridge"
        [call] = fake.switch.calls.values()
        assert "102 put 101 on hold" in call.history.text()
    run(scenario())


def test_blind_transfer_rings_the_target_from_the_stay_partys_worker(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        w.clear()
        w.event("refer", leg=b, target="<sip:103@127.0.0.1:5060>")
        assert w.last("hangup", b)["leg"] == b
        target = w.dialled("103")
        w.answer_leg(target)
        assert w.last("bridge") == {"type": "bridge", "a": a, "b": target}
        [call] = fake.switch.calls.values()
        assert call.answered_by == "103" and call.history.transferred_by == "102"
    run(scenario())


def test_transfer_from_an_outside_party_is_refused(fake: FakePbx) -> None:
    async def scenario() -> None:
        w = fake.workers[0]
        fake.db.execute("INSERT INTO settings (key, value) VALUES ('operator_extension', '102')")
        a = w.incoming("0301234567", "100", trunk="prov")
        b = w.dialled("102")
        w.answer_leg(b)
        w.clear()
        w.event("refer", leg=a, target="<sip:103@127.0.0.1>")
        assert not w.commands("dial") and not w.commands("hangup")
    run(scenario())


def test_transfer_to_another_domain_is_refused_and_the_call_goes_on(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        w.clear()
        w.event("refer", leg=b, target="<sip:103@evil.example.com>")
        assert w.last("tone", b)["segments"], "the transferrer heard no refusal tone"
        assert not w.commands("dial")
        await asyncio.sleep(2.7)
        assert w.last("bridge")["a"] in (a, b)
    run(scenario())


def test_pickup_across_workers_joins_through_a_link(fake: FakePbx) -> None:
    async def scenario() -> None:
        w1, w2 = fake.workers
        a = w1.incoming("101", "102")
        ringing = w1.dialled("102")
        w1.event("progress", leg=ringing, code=180)
        picker = w2.incoming("103", "*8")
        assert w1.last("hangup", ringing)["leg"] == ringing  # it stops ringing at 102
        assert w2.last("answer", picker)["code"] == 200
        # Worker 1 holds the caller, worker 2 the picker: worker 2 calls worker 1.
        dial = w2.last("dial")
        assert dial["uri"] == f"sip:link@127.0.0.1:{w1.sip_port}"
        link_id = dial["headers"]["X-Minipbx-Link"]
        assert w2.last("bridge") == {"type": "bridge", "a": dial["leg"], "b": picker}
        near = w1.incoming("link", "link", link=link_id)
        assert w1.last("answer", near)["code"] == 200
        assert w1.last("bridge") == {"type": "bridge", "a": near, "b": a}
        [call] = fake.switch.calls.values()
        assert call.answered_by == "103" and "picked up by 103" in call.history.text()
        # The caller hangs up: the link goes too.
        w1.event("ended", leg=a, code=200, reason="BYE", by="remote")
        assert w2.last("hangup", dial["leg"])
        assert w2.last("hangup", picker)
    run(scenario())


def test_a_link_with_an_unknown_id_is_refused(fake: FakePbx) -> None:
    async def scenario() -> None:
        w1 = fake.workers[0]
        leg = w1.incoming("link", "link", link="0123456789abcdef")
        assert w1.last("hangup", leg)["code"] == 403
        assert not fake.switch.calls
    run(scenario())


def test_pickup_respects_groups(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_pickup_group(fake.db, "103", "sales")
        w = fake.workers[0]
        w.incoming("101", "102")
        picker = w.incoming("103", "*8")
        assert w.last("answer", picker)["code"] == 183  # nothing to pick up: a tone, then release
        set_pickup_group(fake.db, "102", "none")
        picker = w.incoming("103", "**102")
        assert w.last("answer", picker)["code"] == 183
    run(scenario())


def test_park_retrieve_and_timeout(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        w.event("refer", leg=b, target="<sip:700@127.0.0.1>")
        assert fake.switch.park_lot.snapshot() == [{"slot": "701", "parker": "102"}]
        assert w.last("music", a)
        assert w.last("play", b)["id"] == "park-701"
        w.event("played", leg=b, id="park-701")
        assert w.last("hangup", b)
        # Nobody takes it: the parker rings again.
        [call] = fake.switch.calls.values()
        fake.switch.in_call._park_timeout(call, "701")
        assert w.dialled("102")
        assert call.state is CallState.ROUTING
    run(scenario())


def test_retrieve_from_the_slot(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        w.event("refer", leg=b, target="<sip:700@127.0.0.1>")
        retriever = w.incoming("104", "701")
        assert w.last("answer", retriever)["code"] == 200
        assert w.last("bridge") == {"type": "bridge", "a": a, "b": retriever}
        assert fake.switch.park_lot.snapshot() == []
        nothing = w.incoming("104", "702")
        assert w.last("answer", nothing)["code"] == 183
    run(scenario())


def test_an_outside_caller_numbered_like_an_extension_does_not_make_it_busy(fake: FakePbx) -> None:
    async def scenario() -> None:
        fake.db.execute("INSERT INTO settings (key, value) VALUES ('operator_extension', '101')")
        w = fake.workers[0]
        w.incoming("101", "100", trunk="prov")  # an outside caller whose number is 101
        assert w.dialled("101"), "extension 101 was treated as busy"
    run(scenario())


def test_camp_on_bookings_survive_a_restart(tmp_path: Path) -> None:
    async def scenario() -> None:
        first = FakePbx(tmp_path)
        first.extension("101")
        first.trunk()
        camp_on.book(first.db, "101", "0301234567")
        first.db.conn.close()
        # After the restart the line is free: 101's phone rings ("Line free"), the booking is used up.
        again = FakePbx(tmp_path)
        again.switch.serve_camp_ons()
        w = again.workers[0]
        ring = w.last("dial")
        assert ring["uri"].startswith("sip:101@") and ring["from_uri"].startswith('"Line free"')
        assert camp_on.bookings(again.db) == []
    run(scenario())


def _consult(fake: FakePbx) -> tuple[FakeWorker, str, str, str]:
    w, a, b = fake.talk("101", "102")
    for digit in "*2103":
        w.event("dtmf", leg=b, digit=digit)
    assert w.last("music", a), "the other party waits with music"
    c = w.dialled("103")
    return w, a, b, c


def test_consultation_then_hang_up_transfers(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b, c = _consult(fake)
        assert not w.commands("hangup", b), "the consulting party must not be released"
        w.answer_leg(c)
        assert w.last("bridge") == {"type": "bridge", "a": b, "b": c}
        w.event("ended", leg=b, code=200, reason="BYE", by="remote")
        assert w.last("bridge") == {"type": "bridge", "a": a, "b": c}
        held = next(call for call in fake.switch.calls.values() if a in (call.a_leg, call.b_leg))
        assert held.answered_by == "103" and held.history.transferred_by == "102"
    run(scenario())


def test_consultation_refused_gives_the_held_party_back(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b, c = _consult(fake)
        w.clear()
        w.event("ended", leg=c, code=486, reason="Busy Here", by="remote")
        # The consulting party hears busy a moment, then talks to the waiting party again.
        assert w.last("tone", b)["segments"] == tone("EU", "busy")
        assert not w.commands("bridge")
        await asyncio.sleep(REFUSAL_TONE_SECONDS + 0.2)
        assert {w.last("bridge")["a"], w.last("bridge")["b"]} == {a, b}
        assert not w.commands("hangup", b)
    run(scenario())


def test_flash_toggles_between_the_two(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        w.event("dtmf", leg=b, digit="R")
        for digit in "103":
            w.event("dtmf", leg=b, digit=digit)
        c = w.dialled("103")  # 103 is a whole extension number: dialled at once
        w.answer_leg(c)
        w.event("dtmf", leg=b, digit="R")
        assert w.last("music", c)
        assert w.last("bridge") == {"type": "bridge", "a": b, "b": a}
        w.event("dtmf", leg=b, digit="R")
        assert w.last("bridge") == {"type": "bridge", "a": b, "b": c}
    run(scenario())


def test_a_routes_music_class_is_what_its_callers_hear_on_hold(fake: FakePbx, tmp_path: Path) -> None:

    async def scenario() -> None:
        fake.trunk()
        with pytest.raises(RouteError, match="music class 'jazz' does not exist"):
            set_route(fake.db, "prov", "", "*", "ext:102", music="jazz")
        # An uploaded class: a file in the prompts folder and its row (what `moh upload` leaves).
        folder = tmp_path / "prompts"
        folder.mkdir(exist_ok=True)
        (folder / "moh-jazz.wav").write_bytes(default_melody(tmp_path).read_bytes())
        fake.db.execute("INSERT INTO custom_prompts (name, file, seconds, source, created_at) "
                        "VALUES ('moh-jazz', 'moh-jazz.wav', 8, 'upload', '2026-12-01T00:00:00')")
        set_route(fake.db, "prov", "", "*", "ext:102", music="jazz")
        w = fake.workers[0]
        a = w.incoming("0301234567", "100", trunk="prov")
        b = w.dialled("102")
        w.answer_leg(b)
        w.event("held", leg=b)
        assert w.last("music", a)["files"][0].endswith("moh-jazz.wav")
    run(scenario())


def test_an_outside_callers_name_comes_from_the_phonebook(fake: FakePbx) -> None:
    async def scenario() -> None:
        fake.db.execute("INSERT INTO settings (key, value) VALUES ('operator_extension', '102')")
        fake.db.execute("INSERT INTO phonebook_contacts (name, number, label, created_at) "
                        "VALUES ('Acme Supplies', '+49301234567', 'work', '2026-12-01T00:00:00')")
        w = fake.workers[0]
        w.incoming("0301234567", "100", trunk="prov")
        leg = w.dialled("102")
        assert w.last("dial", leg)["from_uri"].startswith('"Acme Supplies"')
    run(scenario())


def test_hanging_up_while_keying_a_transfer_rings_the_phone_again(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        w.event("dtmf", leg=b, digit="R")
        w.clear()
        w.event("ended", leg=b, code=200, reason="BYE", by="remote")
        assert not w.commands("hangup", a), "the waiting caller was dropped"
        again = w.dialled("102")
        w.answer_leg(again)
        assert w.last("bridge") == {"type": "bridge", "a": a, "b": again}
    run(scenario())


def test_flash_twice_goes_back_to_the_waiting_party(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        w.event("dtmf", leg=b, digit="R")
        assert w.last("music", a)
        w.clear()
        w.event("dtmf", leg=b, digit="R")
        assert w.last("bridge") == {"type": "bridge", "a": a, "b": b}
        assert w.last("stop_tone", b), "the dial tone went on"
    run(scenario())


def test_a_transfer_out_uses_the_transferrers_class_of_service(fake: FakePbx) -> None:
    async def scenario() -> None:
        # 102 may only call internally; an outside caller it answers cannot be sent out by it.
        fake.db.execute("UPDATE extensions SET cos = 'internal' WHERE number = '102'")
        fake.db.execute("INSERT INTO settings (key, value) VALUES ('operator_extension', '102')")
        w = fake.workers[0]
        a = w.incoming("0301234567", "100", trunk="prov")
        b = w.dialled("102")
        w.answer_leg(b)
        w.clear()
        w.event("refer", leg=b, target="<sip:00301112233@127.0.0.1>")
        assert not w.commands("dial"), "the transfer went out despite 102's class of service"
        assert w.last("tone", b)
        [call] = fake.switch.calls.values()
        assert "class of service internal does not allow" in call.history.text()
        assert call.extensions.get(a) is None
    run(scenario())


def test_intercom_asks_the_phone_to_answer_by_itself_and_skips_forwarding(fake: FakePbx) -> None:
    async def scenario() -> None:
        from firmware.apps.forwarding.config import set_forwarding

        set_forwarding(fake.db, "102", always="ext:103")
        w = fake.workers[0]
        w.incoming("101", "*80102")
        dial = next(m for m in w.commands("dial") if str(m["uri"]).startswith("sip:102@"))
        assert dial["headers"]["Call-Info"].endswith(";answer-after=0")
        assert dial["headers"]["Alert-Info"].endswith(";info=alert-autoanswer")
        # A normal call to 102 follows its forwarding and carries no such headers.
        w.incoming("104", "102")
        normal = w.last("dial")
        assert str(normal["uri"]).startswith("sip:103@") and "headers" not in normal
        set_forwarding(fake.db, "103", dnd=True)
        busy = w.incoming("104", "*80103")
        assert w.last("answer", busy)["code"] == 183  # do-not-disturb: a busy tone, no ring
        nobody = w.incoming("104", "*80555")
        assert not any(str(m["uri"]).startswith("sip:555@") for m in w.commands("dial"))
        assert nobody
    run(scenario())
