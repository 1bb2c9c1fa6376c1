"""Page and park through the fake channel: a call transferred to a paging group's page-and-park
number is parked, its slot announced to the idle members ("call on 7 0 1" twice), *86 takes the
most recent paged call, the slot still takes it, page_answer_seconds rings the parker back, and
*86 with nothing waiting is a tone and nothing more."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from firmware.apps.ringgroups.config import RingGroupError, set_ring_group
from firmware.brain.calls import CallState
from firmware.calls import page_park
from firmware.media.tones import tone
from firmware.store.extensions import ExtensionError, add_extension
from firmware.store.settings import SettingError, set_setting
from tests.support.fake_channel import FakePbx, FakeWorker, fake_pbx, run


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakePbx:
    monkeypatch.setattr(page_park, "CHIME_SECONDS", 0.01)
    pbx = fake_pbx(tmp_path, ("101", "102", "103", "104", "105"))
    set_ring_group(pbx.db, "office", number="870", strategy="page", members=["102", "103", "104"],
                   park_number="871")
    return pbx


def _page_legs(w: FakeWorker) -> dict[str, str]:
    """member -> the leg the page dialled it on"""
    return {str(m["uri"]).split("@")[0][4:]: str(m["leg"]) for m in w.commands("dial")
            if str(m["leg"]).startswith("pp")}


def _parked_and_paged(fake: FakePbx) -> tuple[FakeWorker, str, str, dict[str, str]]:
    w, a, b = fake.talk("101", "102")
    w.event("refer", leg=b, target="<sip:871@127.0.0.1>")
    return w, a, b, _page_legs(w)


def test_a_call_sent_to_page_and_park_is_parked_and_its_slot_paged(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b, legs = _parked_and_paged(fake)
        assert fake.switch.park_lot.snapshot() == [{"slot": "701", "parker": "102", "paged": "office"}]
        assert w.last("music", a), "the parked caller hears music"
        assert w.last("play", b)["id"] == "park-701", "the parker hears the slot"
        assert set(legs) == {"103", "104"}  # the idle members, not the parker
        dial = w.last("dial", legs["103"])
        assert dial["headers"]["Call-Info"].endswith("answer-after=0")  # answered by the phone itself
        assert dial["from_uri"].startswith('"Page: call on 701"')
        w.answer_leg(legs["103"])
        assert w.last("tone", legs["103"])["segments"]  # the chime
        await asyncio.sleep(0.05)
        files = [Path(f).stem for f in w.last("play", legs["103"])["files"]]
        assert files == ["page-call-on", "digit-7", "digit-0", "digit-1"] * 2
        w.event("played", leg=legs["103"], id="page-park-701")
        assert w.last("hangup", legs["103"]), "the page ends once said"
        w.event("ended", leg=legs["103"], code=200, reason="BYE", by="local")
        taker = w.incoming("105", "*86")
        assert w.last("answer", taker)["code"] == 200
        assert w.last("bridge") == {"type": "bridge", "a": a, "b": taker}
        assert w.last("hangup", legs["104"]), "a member still ringing is let go once the call is taken"
        assert fake.switch.park_lot.snapshot() == []
        w.event("ended", leg=taker, code=200, reason="BYE", by="remote")
        w.event("ended", leg=a, code=200, reason="BYE", by="local")
        [row] = list(fake.db.query("SELECT answered_by, history FROM cdr"))
        assert row["answered_by"] == "105"
        for step in ("102 parked 101 at 701", "page to group office for the call parked at 701 (103, 104)",
                     "103 heard the page for 701", "105 answered the page (*86): took the call parked at 701"):
            assert step in row["history"]
    run(scenario())


def test_the_slot_still_takes_a_paged_call_and_ends_the_page(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, _b, legs = _parked_and_paged(fake)
        w.answer_leg(legs["103"])
        taker = w.incoming("105", "701")
        assert w.last("bridge") == {"type": "bridge", "a": a, "b": taker}
        assert w.last("hangup", legs["103"]), "the announcement stops once the call is taken"
        await asyncio.sleep(0.05)
        assert not w.commands("play", legs["103"]), "nothing is said after the call was taken"
        nothing = w.incoming("104", "*86")
        assert w.last("answer", nothing)["code"] == 183  # taken already: a tone, then release
    run(scenario())


def test_the_caller_hanging_up_ends_the_page(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, _b, legs = _parked_and_paged(fake)
        w.answer_leg(legs["103"])
        w.event("ended", leg=a, code=200, reason="BYE", by="remote")
        assert w.last("hangup", legs["103"]) and w.last("hangup", legs["104"])
        assert fake.switch.park_lot.snapshot() == []
        for leg in legs.values():
            w.event("ended", leg=leg, code=200, reason="BYE", by="local")
        assert not fake.switch.page_parks.by_leg
        [row] = list(fake.db.query("SELECT history FROM cdr"))
        assert "ended while parked at 701" in row["history"]
    run(scenario())


def test_star_86_takes_the_most_recent_paged_call(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, first, _b, _ = _parked_and_paged(fake)
        w2 = fake.workers[1]
        second = w2.incoming("103", "104")
        w2.answer_leg(w2.dialled("104"))
        w2.event("refer", leg=w2.dialled("104"), target="<sip:871@127.0.0.1>")
        assert [p["slot"] for p in fake.switch.park_lot.snapshot()] == ["701", "702"]
        taker = w.incoming("105", "*86")
        assert w.last("answer", taker)["code"] == 200
        call = fake.switch.by_leg[taker]
        assert call.a_leg == second and call.answered_by == "105"
        assert [p["slot"] for p in fake.switch.park_lot.snapshot()] == ["701"]
        assert fake.switch.by_leg[first].state is CallState.PARKED
    run(scenario())


def test_unanswered_page_rings_the_parker_after_page_answer_seconds(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_setting(fake.db, "page_answer_seconds", "15")
        w, a, _b, legs = _parked_and_paged(fake)
        [parked] = fake.switch.park_lot.parked.values()
        assert parked.timer is not None
        left = parked.timer.when() - asyncio.get_running_loop().time()
        assert 14 < left <= 15  # page_answer_seconds, not park_timeout (120)
        call = fake.switch.by_leg[a]
        fake.switch.in_call._park_timeout(call, "701")
        assert w.dialled("102"), "the parker rings again"
        assert call.state is CallState.ROUTING
        assert w.last("hangup", legs["103"]) and w.last("hangup", legs["104"])
        nothing = w.incoming("105", "*86")
        assert w.last("answer", nothing)["code"] == 183
        assert "parked and paged at 701 for too long; ringing 102" in call.history.text()
    run(scenario())


def test_star_86_with_nothing_waiting_is_a_tone_and_breaks_nothing(fake: FakePbx) -> None:
    async def scenario() -> None:
        w = fake.workers[0]
        nothing = w.incoming("105", "*86")
        assert w.last("answer", nothing)["code"] == 183
        assert w.last("tone", nothing)["segments"] == tone("EU", "unavailable")
        assert not w.commands("dial")
        # A plain park is not a paged call: *86 leaves it alone.
        _, a, b = fake.talk("101", "102")
        w.event("refer", leg=b, target="<sip:700@127.0.0.1>")
        again = w.incoming("105", "*86")
        assert w.last("answer", again)["code"] == 183
        assert fake.switch.park_lot.snapshot() == [{"slot": "701", "parker": "102"}]
        taker = w.incoming("104", "701")
        assert w.last("bridge") == {"type": "bridge", "a": a, "b": taker}
    run(scenario())


def test_hash_hash_star_2_and_flash_to_page_and_park(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, _a, b = fake.talk("101", "102")
        w.press(b, "##871")
        assert fake.switch.park_lot.snapshot() == [{"slot": "701", "parker": "102", "paged": "office"}]
        assert set(_page_legs(w)) == {"103", "104"}
        w2 = fake.workers[1]
        c = w2.incoming("105", "104")
        d = w2.dialled("104")
        w2.answer_leg(d)
        w2.press(d, "*2871")  # attended: the number is the page and park number, parked at once
        assert [p["slot"] for p in fake.switch.park_lot.snapshot()] == ["701", "702"]
        assert fake.switch.by_leg[c].state is CallState.PARKED
        _, e, f = fake.talk("102", "103", worker=1)
        w2.press(f, "R871")  # an analog phone: flash, then the number
        assert [p["slot"] for p in fake.switch.park_lot.snapshot()] == ["701", "702", "703"]
        assert fake.switch.by_leg[e].state is CallState.PARKED
    run(scenario())


def test_only_the_groups_pagers_may_page_and_park(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_ring_group(fake.db, "office", pagers=["103"])
        w, a, b = fake.talk("101", "102")
        w.event("refer", leg=b, target="<sip:871@127.0.0.1>")
        assert fake.switch.park_lot.snapshot() == []
        assert w.last("tone", b)["segments"] == tone("EU", "unavailable")  # refused: the call goes on
        assert "transfer refused: 102 to 871: 102 may not page group office" in \
            fake.switch.by_leg[a].history.text()
        direct = w.incoming("103", "871")  # not a number to call, only to transfer to
        assert w.last("answer", direct)["code"] == 183
    run(scenario())


def test_page_and_park_numbers_are_checked(fake: FakePbx) -> None:
    with pytest.raises(RingGroupError, match="needs strategy page"):
        set_ring_group(fake.db, "sales", strategy="all", members=["101"], park_number="872")
    with pytest.raises(RingGroupError, match="page-and-park number 101 is already extension 101"):
        set_ring_group(fake.db, "office", park_number="101")
    with pytest.raises(RingGroupError, match="page-and-park number 880 is the group's own number"):
        set_ring_group(fake.db, "office", number="880", park_number="880")
    with pytest.raises(RingGroupError, match="is already the number of ring group office"):
        set_ring_group(fake.db, "office", park_number="870")
    with pytest.raises(RingGroupError, match="page-and-park number 701 is not accepted: 701 is reserved"):
        set_ring_group(fake.db, "office", park_number="701")
    with pytest.raises(RingGroupError, match="needs strategy page"):
        set_ring_group(fake.db, "office", strategy="all")
    with pytest.raises(ExtensionError, match="page-and-park number of paging group office"):
        add_extension(fake.db, "871", "Clash", password="Test-password-1234")
    with pytest.raises(RingGroupError, match="already the page-and-park number of paging group office"):
        set_ring_group(fake.db, "sales", number="871", members=["101"])
    with pytest.raises(SettingError, match=r"page_answer_seconds = '5' is not accepted; use a whole number "
                                           r"of seconds 10-600"):
        set_setting(fake.db, "page_answer_seconds", "5")
    set_ring_group(fake.db, "office", park_number="")
    add_extension(fake.db, "871", "Now free", password="Test-password-1234")
