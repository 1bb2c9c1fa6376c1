"""Three-way calls through the fake channel: *3 + number from a SIP phone, flash + number then
flash + 3 from an analog one; who stays when the builder hangs up; the records."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from firmware.brain.calls import CallState
from firmware.store.settings import set_setting
from tests.support.fake_channel import FakePbx, FakeWorker, fake_pbx, run


@pytest.fixture
def fake(tmp_path: Path) -> FakePbx:
    return fake_pbx(tmp_path, ("101", "102", "103"))


def joined(w: FakeWorker) -> set[str]:
    rooms = {m["room"] for m in w.commands("room_join")}
    assert len(rooms) <= 1
    return {str(m["leg"]) for m in w.commands("room_join")}


def test_star_three_joins_all_three_once_the_number_answers(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        w.press(b, "*3103")
        assert w.last("music", a)  # 101 waits while 103 rings
        c = w.dialled("103")
        w.answer_leg(c)
        assert joined(w) == {a, b, c}
        assert all(call.state is CallState.CONFERENCE for call in fake.switch.calls.values())
        # The builder (102) hangs up: 101 and 103 stay together.
        w.event("ended", leg=b, code=200, reason="BYE", by="remote")
        assert not w.commands("hangup", a) and not w.commands("hangup", c)
        assert w.last("room_leave", b)
        # 103 hangs up: 101, alone, is let go; both calls are recorded.
        w.event("ended", leg=c, code=200, reason="BYE", by="remote")
        assert w.last("hangup", a)
        w.event("ended", leg=a, code=200, reason="BYE", by="pbx")
        rows = list(fake.db.query("SELECT caller, called, history FROM cdr ORDER BY called"))
        assert [(r["caller"], r["called"]) for r in rows] == [("101", "102"), ("102", "103")]
        assert all("102 joined 101 and 103 in a three-way call" in r["history"] for r in rows)
        assert not fake.switch.calls
    run(scenario())


def test_flash_then_three_joins_the_consultation(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        w.press(b, "R103")  # an analog phone: flash, then the number
        c = w.dialled("103")
        w.answer_leg(c)
        assert not w.commands("room_join")  # a consultation first
        w.press(b, "R3")
        assert joined(w) == {a, b, c}
    run(scenario())


def test_a_three_after_the_flash_window_is_only_a_key(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, _a, b = fake.talk("101", "102")
        w.press(b, "R103")
        c = w.dialled("103")
        w.answer_leg(c)
        w.press(b, "R")
        await asyncio.sleep(2.2)
        w.press(b, "3")
        assert not w.commands("room_join")
    run(scenario())


def test_with_three_way_end_the_builder_ends_it_for_all(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_setting(fake.db, "three_way_end", "end")
        w, a, b = fake.talk("101", "102")
        w.press(b, "*3103")
        c = w.dialled("103")
        w.answer_leg(c)
        w.event("ended", leg=b, code=200, reason="BYE", by="remote")
        assert w.last("hangup", a) and w.last("hangup", c)
    run(scenario())
