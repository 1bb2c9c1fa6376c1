"""A call beyond the board's `[capacity] calls` is refused at once, the calls already up untouched:
a line's caller gets 503, a phone busy (486); once a call ends, the next one goes through."""
from __future__ import annotations

from pathlib import Path

from firmware.brain.calls import CallState
from tests.support.fake_channel import fake_pbx, run


def test_the_call_over_capacity_is_refused_and_the_others_stay(tmp_path: Path) -> None:
    fake = fake_pbx(tmp_path, ("101", "102", "103", "104", "105", "106"))
    fake.trunk()
    fake.switch.max_calls = 2

    async def scenario() -> None:
        w, a1, b1 = fake.talk("101", "102")
        _, _, b2 = fake.talk("103", "104")
        w.clear()

        third = w.incoming("105", "106")
        assert w.last("hangup", third)["code"] == 486
        assert not w.commands("dial"), "the phone over capacity was rung anyway"
        outside = w.incoming("0301234567", "100", trunk="prov")
        assert w.last("hangup", outside)["code"] == 503
        # The two calls in capacity were not touched.
        assert not w.commands("hangup", a1) and not w.commands("hangup", b2)
        up = [c for c in fake.switch.calls.values() if c.state is CallState.ANSWERED]
        assert len(up) == 2

        w.event("ended", leg=third, code=486, reason="User Busy", by="local")
        w.event("ended", leg=outside, code=503, reason="Service Unavailable", by="local")
        w.event("ended", leg=a1, code=200, reason="BYE", by="remote")
        w.event("ended", leg=b1, code=200, reason="BYE", by="local")
        w.clear()
        w.incoming("105", "106")
        assert w.dialled("106"), "a call within capacity again was not put through"
    run(scenario())


def test_no_limit_when_the_board_sets_none(tmp_path: Path) -> None:
    fake = fake_pbx(tmp_path, ("101", "102", "103", "104", "105", "106"))
    assert fake.switch.max_calls == 0

    async def scenario() -> None:
        for caller, callee in (("101", "102"), ("103", "104"), ("105", "106")):
            fake.talk(caller, callee)
        assert sum(1 for c in fake.switch.calls.values() if c.state is CallState.ANSWERED) == 3
    run(scenario())
