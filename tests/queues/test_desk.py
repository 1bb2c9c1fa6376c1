"""Call queues through the fake channel: who waits, who is rung by each strategy, in what
order callers are served, retry, wrap-up, overflow, abandon, the leave key, agents' codes."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from firmware.apps.forwarding.config import set_forwarding
from firmware.queues.config import get_queue, set_queue
from firmware.store.database import write_transaction
from firmware.trunks.inbound import set_caller_list
from tests.support.fake_channel import FakePbx, FakeWorker, fake_pbx, run

AGENTS = ("201", "202", "203")


@pytest.fixture
def fake(tmp_path: Path) -> FakePbx:
    pbx = fake_pbx(tmp_path, ("101", "102", "103", "104", "150", *AGENTS))
    with write_transaction(pbx.db):
        for number in AGENTS:  # the agents' phones are registered
            pbx.db.execute("INSERT INTO location (ruid, username, contact) VALUES (?, ?, ?)",
                           [f"r{number}", number, f"sip:{number}@127.0.0.1:5070"])
    return pbx


def _queue(fake: FakePbx, **settings: Any) -> None:
    settings.setdefault("number", "600")
    settings.setdefault("overflow", "ext:150")
    settings.setdefault("agents", list(AGENTS))
    settings.setdefault("wrapup_seconds", 0)
    set_queue(fake.db, "sales", **settings)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0.01)


async def hear(w: FakeWorker, leg: str) -> list[str]:
    """Finish every prompt played to `leg` so far; the names of all it was played."""
    await settle()
    for play in w.commands("play", leg):
        w.event("played", leg=leg, id=play["id"])
    await settle()
    return [Path(f).stem for m in w.commands("play", leg) for f in m["files"]]


def hang_up(w: FakeWorker, *legs: str) -> None:
    for leg in legs:
        w.event("ended", leg=leg, code=200, reason="BYE", by="remote")


def rung(w: FakeWorker) -> list[str]:
    """Who was dialled, in order (the user part of each dial's URI)."""
    return [str(m["uri"]).split("@")[0][4:] for m in w.commands("dial")]


def test_a_caller_waits_with_music_hears_their_position_and_every_free_agent_rings(fake: FakePbx) -> None:
    async def scenario() -> None:
        _queue(fake, strategy="ringall")
        w = fake.workers[0]
        caller = w.incoming("101", "600")
        heard = await hear(w, caller)
        assert w.last("answer", caller)["code"] == 200
        assert heard[:2] == ["caller-number", "num-1"]  # "you are caller number one"
        assert w.last("music", caller)["files"]
        assert sorted(rung(w)) == sorted(AGENTS)
        # The agents see which queue the call comes from.
        assert all('"sales: ' in str(m["from_uri"]) for m in w.commands("dial"))
        agent = w.dialled("202")
        w.answer_leg(agent)
        assert w.last("bridge", caller)["b"] == agent
        assert {str(m["leg"]) for m in w.commands("hangup")} == {w.dialled("201"), w.dialled("203")}
        hang_up(w, caller, agent)
        await settle()
        [row] = list(fake.db.query("SELECT outcome, agent, caller, position FROM queue_calls"))
        assert (row["outcome"], row["agent"], row["caller"], row["position"]) == ("answered", "202", "101", 1)
        [cdr] = list(fake.db.query("SELECT answered_by, route FROM cdr"))
        assert cdr["answered_by"] == "202" and "queue sales" in cdr["route"]
    run(scenario())


def test_callers_are_served_in_order_and_a_vip_goes_first(fake: FakePbx) -> None:
    async def scenario() -> None:
        _queue(fake, strategy="linear", agents=["201"])
        fake.trunk()
        set_caller_list(fake.db, "vip", "0401111111", "queue:sales")
        w = fake.workers[0]
        busy = w.incoming("104", "201")  # the only agent is on a call
        w.answer_leg(w.dialled("201"))
        first = w.incoming("101", "600")
        second = w.incoming("102", "600")
        await hear(w, second)
        vip = w.incoming("0401111111", "600", trunk="prov")
        await hear(w, vip)
        assert [Path(f).stem for f in w.commands("play", vip)[0]["files"]][:2] == ["caller-number", "num-1"]
        assert [Path(f).stem for f in w.commands("play", second)[0]["files"]][:2] == ["caller-number", "num-2"]
        assert rung(w) == ["201"]
        hang_up(w, busy, w.dialled("201"))
        w.clear()
        await asyncio.sleep(1.2)
        assert rung(w) == ["201"]
        w.answer_leg(w.dialled("201"))
        assert w.commands("bridge", vip), "the VIP caller is served first"
        assert not w.commands("bridge", first) and not w.commands("bridge", second)
    run(scenario())


@pytest.mark.parametrize(("strategy", "history", "expected"), [
    ("linear", [], {"201"}),
    ("roundrobin", ["201"], {"202"}),
    ("roundrobin", ["201", "202", "203"], {"201"}),
    ("fewestcalls", ["201", "203", "201", "202", "203"], {"202"}),
    ("leastrecent", ["203", "201", "202"], {"203"}),
    ("random", [], set(AGENTS)),
])
def test_each_strategy_picks_its_agent(fake: FakePbx, strategy: str, history: list[str], expected: set[str]) -> None:
    async def scenario() -> None:
        _queue(fake, strategy="ringall")
        w = fake.workers[0]
        for agent in history:  # earlier calls, each taken by `agent` while everyone rang
            w.clear()
            caller = w.incoming("101", "600")
            await hear(w, caller)
            w.answer_leg(w.dialled(agent))
            hang_up(w, caller, w.dialled(agent))
            await settle()
        set_queue(fake.db, "sales", strategy=strategy)
        w.clear()
        caller = w.incoming("102", "600")
        await hear(w, caller)
        [chosen] = rung(w)
        assert chosen in expected
    run(scenario())


def test_an_agent_who_does_not_answer_is_retried_after_the_others(fake: FakePbx) -> None:
    async def scenario() -> None:
        _queue(fake, strategy="linear", retry_seconds=1)
        w = fake.workers[0]
        caller = w.incoming("101", "600")
        await hear(w, caller)
        for expected in ("201", "202", "203", "201"):
            assert rung(w)[-1] == expected
            w.event("ended", leg=w.dialled(expected), code=603, reason="Decline", by="remote")
            await asyncio.sleep(1.2)
        assert not w.commands("hangup", caller), "the caller keeps waiting: nobody was free to answer"
    run(scenario())


def test_busy_paused_dnd_unregistered_and_wrapping_up_agents_are_skipped(fake: FakePbx) -> None:
    async def scenario() -> None:
        fake.extension("204")
        fake.extension("205")
        _queue(fake, strategy="ringall", agents=[*AGENTS, "204", "205"], wrapup_seconds=2)
        from firmware.queues.config import set_pause
        set_pause(fake.db, "sales", "201", True, "1")
        set_forwarding(fake.db, "202", dnd=True)
        # 204 has no registered phone; 205 is on a call.
        w = fake.workers[0]
        w.incoming("104", "205")
        w.answer_leg(w.dialled("205"))
        w.clear()
        caller = w.incoming("101", "600")
        await hear(w, caller)
        assert rung(w) == ["203"]
        w.answer_leg(w.dialled("203"))
        hang_up(w, caller, w.dialled("203"))
        w.clear()
        second = w.incoming("102", "600")
        await hear(w, second)
        assert rung(w) == [], "203 wraps up for 2 s"
        await asyncio.sleep(2.3)
        assert rung(w) == ["203"]
    run(scenario())


def test_overflow_when_full_when_nobody_is_logged_in_and_after_the_longest_wait(fake: FakePbx) -> None:
    async def scenario() -> None:
        _queue(fake, max_callers=1, max_wait_seconds=1, agents=["201~"])
        w = fake.workers[0]
        nobody = w.incoming("101", "600")
        assert w.dialled("150") and not w.commands("music", nobody)  # nobody logged in: overflow at once
        hang_up(w, nobody, w.dialled("150"))
        set_queue(fake.db, "sales", join_empty=True)
        w.clear()
        first = w.incoming("102", "600")
        await hear(w, first)
        assert w.commands("music", first)
        full = w.incoming("103", "600")  # the queue is full
        assert rung(w) == ["150"]
        hang_up(w, full, w.dialled("150"))
        await asyncio.sleep(1.5)  # the first waited its longest wait
        assert rung(w) == ["150", "150"]
        outcomes = [r["outcome"] for r in fake.db.query("SELECT outcome FROM queue_calls ORDER BY id")]
        assert outcomes == ["overflow", "overflow", "overflow"]
    run(scenario())


def test_a_caller_who_hangs_up_has_abandoned_and_the_leave_key_goes_elsewhere(fake: FakePbx) -> None:
    async def scenario() -> None:
        _queue(fake, agents=["201"], leave_key="1", leave_destination="ext:104")
        w = fake.workers[0]
        w.incoming("103", "201")
        w.answer_leg(w.dialled("201"))  # the agent is busy: callers wait
        gone = w.incoming("101", "600")
        await hear(w, gone)
        w.event("ended", leg=gone, code=200, reason="BYE", by="remote")
        await settle()
        leaving = w.incoming("102", "600")
        await hear(w, leaving)
        w.press(leaving, "1")
        await settle()
        assert w.dialled("104")
        rows = [(r["caller"], r["outcome"], r["position"])
                for r in fake.db.query("SELECT caller, outcome, position FROM queue_calls")]
        assert rows == [("101", "abandoned", 1), ("102", "left", 1)]
        [cdr] = [r for r in fake.db.query("SELECT caller, disposition, hangup_cause FROM cdr") if r["caller"] == "101"]
        assert cdr["disposition"] == "cancelled" and "waiting in queue sales" in cdr["hangup_cause"]
    run(scenario())


def test_agents_log_in_and_out_and_pause_from_their_phones(fake: FakePbx) -> None:
    async def scenario() -> None:
        _queue(fake, agents=["201~", "202"], join_empty=True)
        w = fake.workers[0]
        login = w.incoming("201", "*45600")
        assert await hear(w, login) == ["queue-logged-in"]
        hang_up(w, login)
        queue = get_queue(fake.db, "sales")
        assert queue is not None and queue.agent("201").logged_in  # type: ignore[union-attr]
        pause = w.incoming("202", "*46600")
        assert await hear(w, pause) == ["queue-paused"]
        w.press(pause, "12#")
        await settle()
        hang_up(w, pause)
        queue = get_queue(fake.db, "sales")
        assert queue is not None and (queue.agent("202").paused, queue.agent("202").pause_reason) == (  # type: ignore[union-attr]
            True, "12")
        w.clear()
        caller = w.incoming("101", "600")
        await hear(w, caller)
        assert rung(w) == ["201"], "202 is paused"
        static = w.incoming("202", "*45600")
        assert await hear(w, static) == ["queue-not-agent"]  # a static agent is always logged in
        logout = w.incoming("201", "*45")
        assert await hear(w, logout) == ["queue-logged-out"]
        audit = [r["action"] for r in fake.db.query("SELECT action FROM audit_log ORDER BY rowid")]
        assert audit.count("queue.login") == 1 and audit.count("queue.logout") == 1
    run(scenario())


def test_callers_go_to_overflow_when_the_last_agent_logs_out(fake: FakePbx) -> None:
    async def scenario() -> None:
        _queue(fake, agents=["201~"])
        from firmware.queues.config import set_login
        set_login(fake.db, "sales", "201", True)
        w = fake.workers[0]
        w.incoming("104", "201")
        w.answer_leg(w.dialled("201"))  # the agent is busy: the caller waits
        caller = w.incoming("101", "600")
        await hear(w, caller)
        assert w.commands("music", caller)
        w.clear()
        set_login(fake.db, "sales", "201", False)
        fake.switch.queues.agents_changed()
        await settle()
        assert rung(w) == ["150"]
        [row] = list(fake.db.query("SELECT outcome FROM queue_calls"))
        assert row["outcome"] == "overflow"
    run(scenario())


ALL_MODES = ["day", "lunch", "break", "night", "holiday"]


async def _book_callback(fake: FakePbx, w: FakeWorker) -> str:
    """An outside caller waits (the only agent, 201, is busy), presses 2 and confirms their number
    with 1; the busy call's leg of 201."""
    from firmware.trunks.inbound import set_route

    fake.trunk()
    _queue(fake, agents=["201"], callback_key="2", callback_modes=ALL_MODES, callback_attempts=2,
           callback_retry_minutes=1)
    set_route(fake.db, "prov", "", "*", "queue:sales")
    busy = w.incoming("104", "201")
    w.answer_leg(w.dialled("201"))
    caller = w.incoming("0401234567", "5550100", trunk="prov")
    heard = await hear(w, caller)
    assert heard[-2:] == ["callback-press", "digit-2"], heard  # the announcement says how
    w.press(caller, "2")
    heard = await hear(w, caller)
    assert heard[-12:] == ["callback-at", *(f"digit-{d}" for d in "0401234567"), "callback-confirm"], heard
    w.press(caller, "1")
    assert (await hear(w, caller))[-1] == "callback-booked"
    await settle()
    assert w.commands("hangup", caller), "the caller hangs up and keeps their place"
    hang_up(w, caller)
    [request] = list(fake.db.query("SELECT number, state FROM queue_callbacks"))
    assert (request["number"], request["state"]) == ("00401234567", "waiting")
    return busy


def test_a_callback_rings_the_agent_first_then_dials_the_caller(fake: FakePbx) -> None:
    async def scenario() -> None:
        w = fake.workers[0]
        busy = await _book_callback(fake, w)
        hang_up(w, busy, w.dialled("201"))  # the agent is free: the callback's turn
        w.clear()
        await asyncio.sleep(1.2)
        agent_leg = w.dialled("201")
        assert "callback 00401234567" in str(w.last("dial", agent_leg)["from_uri"])
        w.answer_leg(agent_leg)
        customer = w.dialled("0401234567")  # through the trunk, as 201 would dial it
        assert w.last("dial", customer)["headers"]["X-Minipbx-Trunk"] == "prov"
        w.answer_leg(customer)
        assert w.commands("bridge", customer)
        hang_up(w, customer, agent_leg)
        await settle()
        [request] = list(fake.db.query("SELECT state, agent FROM queue_callbacks"))
        assert (request["state"], request["agent"]) == ("done", "201")
        from firmware.queues.stats import queue_stats
        [figures] = queue_stats(fake.db, "sales")
        assert (figures.callbacks_requested, figures.callbacks_completed) == (1, 1)
    run(scenario())


def test_a_callback_not_reached_is_tried_again_then_fails(fake: FakePbx) -> None:
    async def scenario() -> None:
        from firmware.queues.config import update_callback
        w = fake.workers[0]
        busy = await _book_callback(fake, w)
        hang_up(w, busy, w.dialled("201"))
        for attempt in (1, 2):
            await asyncio.sleep(1.2)
            agent_leg = w.dialled("201")
            w.answer_leg(agent_leg)
            customer = w.dialled("0401234567")
            w.event("ended", leg=customer, code=486, reason="Busy Here", by="remote")
            hang_up(w, agent_leg)
            await settle()
            [request] = list(fake.db.query("SELECT id, state, attempts, next_at FROM queue_callbacks"))
            assert request["attempts"] == attempt
            if attempt == 1:
                assert request["state"] == "waiting" and request["next_at"] > datetime.now(UTC).isoformat()
                update_callback(fake.db, int(request["id"]), next_at="")  # not wait the minute
                w.clear()
        assert request["state"] == "failed"
    run(scenario())


def test_callbacks_wait_for_their_modes_and_survive_a_restart(fake: FakePbx) -> None:
    async def scenario() -> None:
        from firmware.queues.config import request_callback
        _queue(fake, agents=["201"], callback_key="2", callback_modes=["holiday"])
        fake.trunk()
        request_callback(fake.db, "sales", "00401234567", datetime.now(UTC))
        with write_transaction(fake.db):
            fake.db.execute("UPDATE queue_callbacks SET state = 'calling'")  # the last run was making it
        w = fake.workers[0]
        fake.switch.queues.start()
        await asyncio.sleep(1.2)
        assert rung(w) == [], "not in holiday mode: no callback now"
        [request] = list(fake.db.query("SELECT state FROM queue_callbacks"))
        assert request["state"] == "waiting"
        set_queue(fake.db, "sales", callback_modes=ALL_MODES)
        await asyncio.sleep(1.2)
        assert rung(w) == ["201"]
    run(scenario())


def _prompt(fake: FakePbx, name: str) -> Path:
    """A custom prompt `name` (a tone, as an uploaded greeting would be)."""
    import subprocess

    from firmware.prompts.upload import import_audio, prompt_path

    source = fake.data_dir / f"{name}-source.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(source), "synth", "1", "sine", "700"],
                   check=True)
    import_audio(fake.db, fake.data_dir, name, source)
    return prompt_path(fake.data_dir, name)


def test_an_outside_number_is_an_agent_dialled_through_the_trunk(fake: FakePbx) -> None:
    async def scenario() -> None:
        fake.trunk()
        _queue(fake, strategy="linear", agents=["number:00401234567", "201"])
        w = fake.workers[0]
        caller = w.incoming("101", "600")
        await hear(w, caller)
        outside = w.dialled("0401234567")  # first in the list: the outside agent
        assert w.last("dial", outside)["headers"]["X-Minipbx-Trunk"] == "prov"
        w.answer_leg(outside)
        assert w.last("bridge", caller)["b"] == outside
        # On a call of ours, the outside agent is busy: the next caller rings 201.
        w.clear()
        second = w.incoming("102", "600")
        await hear(w, second)
        assert rung(w) == ["201"]
        hang_up(w, caller, outside)
        await settle()
        [row, *_] = list(fake.db.query("SELECT agent, outcome FROM queue_calls ORDER BY id"))
        assert (row["agent"], row["outcome"]) == ("number:00401234567", "answered")
    run(scenario())


def test_a_ring_groups_members_are_agents_and_may_pause(fake: FakePbx) -> None:
    async def scenario() -> None:
        from firmware.apps.ringgroups.config import set_ring_group
        from firmware.queues.config import set_pause

        set_ring_group(fake.db, "support", members=["202", "203"])
        _queue(fake, strategy="ringall", agents=["201:1", "group:support"])
        queue = get_queue(fake.db, "sales")
        assert queue is not None
        assert [(a.extension, a.penalty, a.via) for a in queue.members] == [
            ("201", 1, ""), ("202", 0, "group:support"), ("203", 0, "group:support")]
        set_pause(fake.db, "sales", "203", True, "4")
        w = fake.workers[0]
        caller = w.incoming("101", "600")
        await hear(w, caller)
        assert rung(w) == ["202"], "the group's free member of the lowest penalty; 203 is paused"
        # The group's membership is read at each call: a member added later is an agent.
        set_ring_group(fake.db, "support", members=["202", "203", "104"])
        queue = get_queue(fake.db, "sales")
        assert queue is not None and queue.agent("104") is not None and queue.agent("203").paused  # type: ignore[union-attr]
    run(scenario())


def test_the_agent_sees_the_wait_and_hears_the_whisper_before_the_caller(fake: FakePbx) -> None:
    async def scenario() -> None:
        whisper = _prompt(fake, "sales-line")
        _queue(fake, strategy="linear", agents=["201"], show_wait=True, whisper="sales-line")
        w = fake.workers[0]
        caller = w.incoming("101", "600")
        await hear(w, caller)
        agent = w.dialled("201")
        assert '"sales 0:00: ' in str(w.last("dial", agent)["from_uri"])
        w.answer_leg(agent)
        await settle()
        [play] = w.commands("play", agent)
        assert play["files"] == [str(whisper)]
        assert not w.commands("bridge", caller), "the caller is joined only after the whisper"
        w.event("played", leg=agent, id=play["id"])
        await settle()
        assert w.last("bridge", caller)["b"] == agent
        [cdr_row] = list(fake.db.query("SELECT outcome, agent FROM queue_calls"))
        assert (cdr_row["outcome"], cdr_row["agent"]) == ("answered", "201")
    run(scenario())


def test_an_agent_who_hangs_up_during_the_whisper_has_not_answered(fake: FakePbx) -> None:
    async def scenario() -> None:
        _prompt(fake, "sales-line")
        _queue(fake, strategy="linear", agents=["201", "202"], whisper="sales-line", retry_seconds=1)
        w = fake.workers[0]
        caller = w.incoming("101", "600")
        await hear(w, caller)
        first = w.dialled("201")
        w.answer_leg(first)
        await settle()
        hang_up(w, first)  # 201 put the phone down on hearing the whisper
        await settle()
        assert not w.commands("bridge", caller)
        w.clear()
        await asyncio.sleep(1.3)
        assert rung(w) == ["202"], "the caller still waits, and the next agent rings"
        assert not list(fake.db.query("SELECT 1 FROM queue_calls"))
    run(scenario())


def test_the_queues_own_announcement_plays_with_the_position(fake: FakePbx) -> None:
    async def scenario() -> None:
        announcement = _prompt(fake, "we-are-busy")
        _queue(fake, agents=["201"], announcement="we-are-busy")
        w = fake.workers[0]
        busy = w.incoming("104", "201")
        w.answer_leg(w.dialled("201"))
        caller = w.incoming("101", "600")
        await settle()
        files = w.commands("play", caller)[0]["files"]
        assert [Path(f).stem for f in files[:2]] == ["caller-number", "num-1"]
        assert str(announcement) in files
        # Without the position, the announcement alone.
        set_queue(fake.db, "sales", announce_position=False)
        second = w.incoming("102", "600")
        await settle()
        assert w.commands("play", second)[0]["files"] == [str(announcement)]
        hang_up(w, busy)
    run(scenario())


def test_callback_hours_of_their_own(fake: FakePbx) -> None:
    async def scenario() -> None:
        from firmware.modes.state import local_now
        from firmware.modes.timetable import WEEKDAYS
        from firmware.queues.config import in_callback_hours, request_callback

        fake.trunk()
        now = local_now(fake.db)
        today = WEEKDAYS[now.weekday()]
        other = WEEKDAYS[(now.weekday() + 1) % 7]
        _queue(fake, agents=["201"], callback_key="2", callback_modes=ALL_MODES,
               callback_hours=f"{other} 00:00-24:00")
        queue = get_queue(fake.db, "sales")
        assert queue is not None and not in_callback_hours(fake.db, queue, "day")
        request_callback(fake.db, "sales", "00401234567", datetime.now(UTC))
        w = fake.workers[0]
        fake.switch.queues.start()
        await asyncio.sleep(1.2)
        assert rung(w) == [], "outside the callback hours (whatever the mode): no callback"
        set_queue(fake.db, "sales", callback_hours=f"{today} 00:00-24:00")
        await asyncio.sleep(1.2)
        assert rung(w) == ["201"]
    run(scenario())


def test_a_callback_requested_from_outside_is_checked_and_limited(fake: FakePbx) -> None:
    from firmware.brain.call_commands import carry_out
    from firmware.brain.control import CallCommandRefused, RequestCallback

    async def scenario() -> None:
        fake.trunk()
        _queue(fake, agents=["201"], callback_profile="national")

        def ask(number: str, address: str = "198.51.100.7") -> dict[str, object]:
            return carry_out(fake.switch, RequestCallback(queue="sales", number=number, by="key:web",
                                                          address=address))

        made = ask("040 123-4567")
        [row] = list(fake.db.query("SELECT id, number, state, source, address, result FROM queue_callbacks"))
        assert made == {"callback": row["id"]}
        assert (row["number"], row["state"], row["source"], row["address"]) == (
            "00401234567", "waiting", "api", "198.51.100.7")
        assert row["result"] == "requested by key:web"
        with pytest.raises(CallCommandRefused, match="already waits to be called back") as refused:
            ask("0401234567", "198.51.100.8")
        assert refused.value.kind == "limited"
        with pytest.raises(CallCommandRefused, match="may not call 00900123 back") as refused:
            ask("00900123")  # international: the national class of service bars it
        assert refused.value.kind == "barred"
        for n in range(4):
            ask(f"04012345{n}0")
        with pytest.raises(CallCommandRefused, match=r"address 198\.51\.100\.7 made 5 callback requests") as refused:
            ask("0401234599")
        assert refused.value.kind == "limited"
        ask("0401234599", "198.51.100.9")  # another visitor is not held up
        with pytest.raises(CallCommandRefused, match="queue nosuch does not exist"):
            carry_out(fake.switch, RequestCallback(queue="nosuch", number="0401234567", by="key:web", address=""))
    run(scenario())
