"""Conference rooms through the fake channel: joining, the mix across workers, PINs, lock,
drop, mute, music while alone, the refusals. A real sqlite store and the real prompts."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from firmware.apps.ringgroups.config import RingGroupError, set_ring_group
from firmware.conference.rooms import RoomError, remove_room, set_room
from firmware.pins.guard import TRUNK_FREE_FAILURES
from firmware.queues.config import QueueError, set_queue
from firmware.store.extensions import ExtensionError, add_extension
from firmware.trunks.inbound import set_route
from tests.support.fake_channel import FakePbx, FakeWorker, fake_pbx, run


@pytest.fixture
def fake(tmp_path: Path) -> FakePbx:
    return fake_pbx(tmp_path, ("101", "102", "103", "104"))


async def settle() -> None:
    """Let the app's coroutine run up to its next wait (a PIN is checked in a thread)."""
    for _ in range(3):
        await asyncio.sleep(0.01)


async def hear_prompts(w: FakeWorker, leg: str, seconds: float = 2.0) -> list[str]:
    """Finish every play the leg is sent (the caller heard it to the end) until the app stops
    playing for a while; the names of the prompts it heard."""
    heard: set[str] = set()
    quiet_since = loop_time = asyncio.get_running_loop().time()
    deadline = loop_time + seconds
    while asyncio.get_running_loop().time() < deadline:
        await settle()
        pending = [m for m in w.commands("play", leg) if m["id"] not in heard]
        now = asyncio.get_running_loop().time()
        if not pending:
            if now - quiet_since > 0.3:
                break
            continue
        quiet_since = now
        for play in pending:
            heard.add(play["id"])
            w.event("played", leg=leg, id=play["id"])
    return [Path(m["files"][0]).stem for m in w.commands("play", leg)]


async def enter(fake: FakePbx, w: FakeWorker, caller: str, pin: str = "") -> str:
    leg = w.incoming(caller, "800")
    await hear_prompts(w, leg)
    if pin:
        w.press(leg, pin + "#")
        await hear_prompts(w, leg)
    return leg


def test_the_first_hears_alone_and_music_then_both_hear_each_other(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_room(fake.db, "800")
        w = fake.workers[0]
        a = await enter(fake, w, "101")
        assert w.last("answer", a)["code"] == 200
        assert "conf-alone" in [Path(m["files"][0]).stem for m in w.commands("play", a)]
        assert w.last("room_join", a) == {"type": "room_join", "room": "conf-800", "leg": a}
        assert w.last("music", a)["files"]
        b = await enter(fake, w, "102")
        assert "conf-alone" not in [Path(m["files"][0]).stem for m in w.commands("play", b)]
        assert w.last("room_join", b)["room"] == "conf-800"
        assert w.last("stop_music", a)
        assert w.last("tone", a)["over"] and w.last("tone", b)["over"]  # the join tone
        who = fake.switch.conferences.snapshot()
        assert [m["who"] for m in who[0]["members"]] == ["101", "102"]
        w.event("ended", leg=a, code=200, reason="BYE", by="remote")
        await settle()
        assert w.last("room_leave", a)["leg"] == a
        assert w.last("music", b)  # alone again
        [row] = list(fake.db.query("SELECT hangup_cause FROM cdr"))
        assert row["hangup_cause"] == "conference 800"
    run(scenario())


def test_a_member_on_another_worker_is_linked_into_the_room_worker(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_room(fake.db, "800")
        w1, w2 = fake.workers
        await enter(fake, w1, "101")
        b = await enter(fake, w2, "102")
        # Worker 2 calls worker 1, where the link's leg joins the room in 102's place.
        dial = w2.last("dial")
        assert dial["uri"] == f"sip:link@127.0.0.1:{w1.sip_port}"
        assert w2.last("bridge") == {"type": "bridge", "a": dial["leg"], "b": b}
        assert not w2.commands("room_join")
        near = w1.incoming("link", "link", link=dial["headers"]["X-Minipbx-Link"])
        assert w1.last("answer", near)["code"] == 200
        assert w1.last("room_join", near) == {"type": "room_join", "room": "conf-800", "leg": near}
        # 102 leaves: the link goes, the room worker lets its leg go.
        w2.event("ended", leg=b, code=200, reason="BYE", by="remote")
        await settle()
        assert w1.last("room_leave", near)
        assert w2.last("hangup", dial["leg"])
        assert w1.last("hangup", near)
    run(scenario())


def test_pin_moderator_lock_and_drop_the_last(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_room(fake.db, "800", pin="4711", moderator_pin="9090")
        w = fake.workers[0]
        boss = await enter(fake, w, "101", pin="9090")
        member = await enter(fake, w, "102", pin="4711")
        assert w.last("room_join", member)
        wrong = w.incoming("103", "800")
        await hear_prompts(w, wrong)
        w.press(wrong, "1234#")
        heard = await hear_prompts(w, wrong)
        assert "wrong-pin" in heard and not w.commands("room_join", wrong)
        w.event("ended", leg=wrong, code=200, reason="BYE", by="remote")
        await settle()
        # The moderator locks the room: the next caller hears "locked" and is let go.
        w.press(boss, "*7")
        await settle()
        late = await enter(fake, w, "104", pin="4711")
        assert "conf-locked" in await hear_prompts(w, late) and not w.commands("room_join", late)
        # A member's *7 and *9 do nothing; the moderator's *9 drops the last one who joined.
        w.clear()
        w.press(member, "*9")
        await settle()
        assert not w.commands("hangup")
        w.press(boss, "*9")
        await settle()
        assert w.last("hangup", member)
    run(scenario())


def test_mute_and_unmute_yourself(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_room(fake.db, "800")
        w = fake.workers[0]
        a = await enter(fake, w, "101")
        await enter(fake, w, "102")
        w.press(a, "*6")
        await settle()
        assert w.last("room_mute", a) == {"type": "room_mute", "room": "conf-800", "leg": a, "muted": True}
        w.press(a, "*6")
        await settle()
        assert w.last("room_mute", a)["muted"] is False
    run(scenario())


def test_a_full_room_refuses_the_next(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_room(fake.db, "800", max_parties=2)
        w = fake.workers[0]
        await enter(fake, w, "101")
        await enter(fake, w, "102")
        third = await enter(fake, w, "103")
        assert "conf-full" in [Path(m["files"][0]).stem for m in w.commands("play", third)]
        assert not w.commands("room_join", third)
    run(scenario())


def test_outside_callers_reach_a_room_through_a_route(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_room(fake.db, "800")
        fake.trunk("prov")
        set_route(fake.db, "prov", "", "*", "conf:800")
        w = fake.workers[0]
        a = w.incoming("0301234567", "100", trunk="prov")
        await hear_prompts(w, a)
        assert w.last("room_join", a)
        assert fake.switch.conferences.snapshot()[0]["members"][0]["who"] == "0301234567"
    run(scenario())


def test_room_numbers_are_kept_apart_from_extensions_groups_and_queues(fake: FakePbx) -> None:
    set_room(fake.db, "800")
    with pytest.raises(ExtensionError, match="it is conference room 800"):
        add_extension(fake.db, "800", "Someone")
    with pytest.raises(RingGroupError, match="already conference room 800"):
        set_ring_group(fake.db, "sales", number="800", members=["101"])
    with pytest.raises(QueueError, match="already conference room 800"):
        set_queue(fake.db, "service", number="800", overflow="hangup")
    set_queue(fake.db, "service", number="802", overflow="hangup")
    with pytest.raises(RoomError, match="conference room number 802 is already the number of queue service; pick "
                                        "another in 800-809"):
        set_room(fake.db, "802")
    with pytest.raises(RoomError, match="already extension 101"):
        fake.db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('conference_numbers', '100-899')")
        set_room(fake.db, "101")
    with pytest.raises(RoomError, match="too easy to guess"):
        set_room(fake.db, "801", pin="1234")
    fake.trunk("prov")
    set_route(fake.db, "prov", "", "*", "conf:800")
    with pytest.raises(RoomError, match="still used by inbound route prov/any/"):
        remove_room(fake.db, "800")


def test_a_caller_changing_the_presented_number_on_a_trunk_is_locked_out_all_the_same(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_room(fake.db, "800", pin="4711")
        fake.trunk("prov")
        set_route(fake.db, "prov", "", "*", "conf:800")
        w = fake.workers[0]
        for n in range(TRUNK_FREE_FAILURES + 1):  # one wrong PIN per call, a new caller ID each time
            leg = w.incoming(f"030555{n:04}", "4930123", trunk="prov")
            await hear_prompts(w, leg)
            w.press(leg, "1234#")
            assert "wrong-pin" in await hear_prompts(w, leg)
            w.event("ended", leg=leg, code=200, reason="BYE", by="remote")
            await settle()
        # A fresh number with the right PIN, and a withheld one: the trunk is locked for this room.
        for caller in ("0305559999", "anonymous"):
            leg = w.incoming(caller, "4930123", trunk="prov")
            heard = await hear_prompts(w, leg)
            assert "locked-out" in heard and not w.commands("room_join", leg), caller
        # An office phone (another source) still gets in with the PIN.
        inside = await enter(fake, w, "103", pin="4711")
        assert w.last("room_join", inside)["room"] == "conf-800"
    run(scenario())
