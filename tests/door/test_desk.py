"""Door stations through the fake channel: a visitor's ring goes where the mode says, the
answering party's open code pulses the lock (the visitor's keys never do), an unanswered ring
ends, *55 opens a door for an extension with the right and not for one without."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from firmware.brain.calls import CallState
from firmware.dialplan.cos import set_profile
from firmware.door.config import DOOR_RING, door_log, set_door
from firmware.modes.state import set_override
from firmware.store.database import write_transaction
from firmware.store.settings import set_setting
from tests.support.fake_channel import FakePbx, FakeWorker, fake_pbx, run

DOOR = "104"


class Lock:
    """What the line gateway is asked: (door, seconds) for each opening."""

    def __init__(self, refuse: str = "") -> None:
        self.opened: list[tuple[str, int]] = []
        self.refuse = refuse

    async def __call__(self, door: str, seconds: int) -> str:
        if not self.refuse:
            self.opened.append((door, seconds))
        return self.refuse


@pytest.fixture
def fake(tmp_path: Path) -> FakePbx:
    pbx = fake_pbx(tmp_path, ("101", "102", "103", DOOR))
    from firmware.door.config import add_door

    with write_transaction(pbx.db):
        pbx.db.execute("UPDATE extensions SET device = 'door1', name = 'Door station door1' WHERE number = ?",
                       [DOOR])
        add_door(pbx.db, "door1")
    return pbx


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0.01)


def visitor_rings(w: FakeWorker) -> str:
    return w.incoming(DOOR, DOOR_RING)


def test_a_visitors_ring_goes_where_the_mode_says(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_door(fake.db, "door1", destination="ext:101")
        set_door(fake.db, "door1", destination="ext:102", mode="night")
        w = fake.workers[0]
        set_override(fake.db, "day", "fixed", by="test")
        visitor_rings(w)
        assert '"Door station door1"' in str(w.last("dial", w.dialled("101"))["from_uri"])
        w.clear()
        set_override(fake.db, "night", "fixed", by="test")
        visitor_rings(w)
        w.dialled("102")
        assert not [m for m in w.commands("dial") if str(m["uri"]).startswith("sip:101@")]
    run(scenario())


def test_without_a_route_the_operator_rings_and_without_one_the_visitor_hears_a_tone(fake: FakePbx) -> None:
    async def scenario() -> None:
        w = fake.workers[0]
        set_setting(fake.db, "operator_extension", "103")
        visitor_rings(w)
        w.dialled("103")
        set_setting(fake.db, "operator_extension", "")
        w.clear()
        visitor = visitor_rings(w)
        await settle()
        assert not w.commands("dial")
        assert w.last("tone", visitor)
    run(scenario())


def test_the_answering_party_opens_the_door_and_the_visitor_cannot(fake: FakePbx) -> None:
    async def scenario() -> None:
        lock = Lock()
        fake.switch.doors.opener = lock
        set_door(fake.db, "door1", destination="ext:101", open_seconds=7)
        w = fake.workers[0]
        visitor = visitor_rings(w)
        answerer = w.dialled("101")
        w.answer_leg(answerer)
        w.press(visitor, "*5")  # whatever the door station sends does nothing
        await asyncio.sleep(1.2)
        assert lock.opened == []
        w.press(answerer, "*5")
        await settle()
        assert lock.opened == [("door1", 7)]
        assert w.last("tone", answerer), "the answerer hears the confirmation"
        [opening] = door_log(fake.db)
        assert (opening.door, opening.by, opening.how, opening.seconds, opening.result) == (
            "door1", "101", "call", 7, "")
        # The code is not passed on to the door station as keys.
        assert not [m for m in w.commands("dtmf", visitor) if m.get("digits") in ("*", "5")]
    run(scenario())


def test_whoever_calls_the_door_may_open_it_with_its_own_code(fake: FakePbx) -> None:
    async def scenario() -> None:
        lock = Lock()
        fake.switch.doors.opener = lock
        set_door(fake.db, "door1", open_code="#7")
        w, caller, _station = fake.talk("102", DOOR)
        w.press(caller, "*5")
        await asyncio.sleep(1.2)
        assert lock.opened == []
        w.press(caller, "#7")
        await settle()
        assert lock.opened == [("door1", 5)]
    run(scenario())


def test_a_lock_that_fails_is_logged_and_the_answerer_hears_so(fake: FakePbx) -> None:
    async def scenario() -> None:
        fake.switch.doors.opener = Lock(refuse="door station door1 has no lock on this board")
        set_door(fake.db, "door1", destination="ext:101")
        w = fake.workers[0]
        visitor_rings(w)
        answerer = w.dialled("101")
        w.answer_leg(answerer)
        w.press(answerer, "*5")
        await settle()
        [opening] = door_log(fake.db)
        assert (opening.seconds, opening.result) == (0, "door station door1 has no lock on this board")
    run(scenario())


def test_an_unanswered_visitor_hears_a_tone_after_the_ring_time(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_door(fake.db, "door1", destination="ext:101")
        with write_transaction(fake.db):  # the shortest accepted ring time is 5 s: not wait it here
            fake.db.execute("UPDATE doors SET ring_seconds = 1")
        w = fake.workers[0]
        visitor = visitor_rings(w)
        ringing = w.dialled("101")
        await asyncio.sleep(1.3)
        assert w.commands("hangup", ringing), "the phone stops ringing"
        assert w.last("tone", visitor), "the visitor hears that nobody answers"
    run(scenario())


def test_star_55_opens_a_door_for_an_extension_with_the_right(fake: FakePbx) -> None:
    async def scenario() -> None:
        lock = Lock()
        fake.switch.doors.opener = lock
        set_profile(fake.db, "reception", "internal,door")
        with write_transaction(fake.db):  # as `minipbx cos set 101 reception` does
            fake.db.execute("UPDATE extensions SET cos = 'reception' WHERE number = '101'")
        w = fake.workers[0]
        barred = w.incoming("102", "*551")
        await settle()
        assert w.last("answer", barred)["code"] == 183 and lock.opened == []
        allowed = w.incoming("101", "*551")
        await settle()
        assert w.last("answer", allowed)["code"] == 200
        assert lock.opened == [("door1", 5)]
        w.incoming("101", f"*55{DOOR}")  # the door's extension names it too
        await settle()
        assert len(lock.opened) == 2
        unknown = w.incoming("101", "*559")
        await settle()
        assert w.last("tone", unknown) and len(lock.opened) == 2
        assert [(o.by, o.how, o.result) for o in reversed(door_log(fake.db))] == [
            ("102", "code", "refused: no door right"), ("101", "code", ""), ("101", "code", "")]
    run(scenario())


def test_a_visitor_leaving_a_message_is_not_cut_off_at_the_ring_time(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_door(fake.db, "door1", destination="voicemail:101")
        with write_transaction(fake.db):  # the shortest accepted ring time is 5 s: not wait it here
            fake.db.execute("UPDATE doors SET ring_seconds = 1")
        w = fake.workers[0]
        visitor = visitor_rings(w)
        await settle()
        assert w.last("answer", visitor)["code"] == 200, "the mailbox answers"
        await asyncio.sleep(1.3)
        call = fake.switch.by_leg[visitor]
        assert call.state is CallState.APP, "the visitor goes on leaving the message"
        assert not w.commands("hangup", visitor)
    run(scenario())
