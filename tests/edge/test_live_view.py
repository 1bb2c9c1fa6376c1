"""Status requests share the edge's answer: however hard the API is polled, the brain asks the
edge (two kamcmd processes) at most once per half second, and a failure reaches every asker."""
from __future__ import annotations

import asyncio

import pytest

from firmware.edge.live_view import LiveView, Snapshot
from firmware.edge.rpc import EdgeRpcError


class Edge:
    def __init__(self) -> None:
        self.asked = 0
        self.fail = False

    async def ask(self) -> Snapshot:
        self.asked += 1
        await asyncio.sleep(0.05)  # kamcmd takes a while: requests pile up meanwhile
        if self.fail:
            raise EdgeRpcError("edge did not answer ul.dump within 5 s")
        return [{"extension": "101", "contact": f"sip:101@host;n={self.asked}", "user_agent": "",
                 "expires_in_s": "300"}], {"prov": "registered"}


def test_requests_at_once_and_within_the_freshness_share_one_answer() -> None:
    edge = Edge()
    view = LiveView(edge.ask, fresh_seconds=0.3)

    async def scenario() -> None:
        answers = await asyncio.gather(*(view.get() for _ in range(20)))
        assert edge.asked == 1 and all(a == answers[0] for a in answers)
        assert await view.get() == answers[0] and edge.asked == 1
        await asyncio.sleep(0.35)
        regs, trunks = await view.get()
        assert edge.asked == 2 and regs[0]["contact"].endswith("n=2") and trunks == {"prov": "registered"}
    asyncio.run(scenario())


def test_a_failure_reaches_every_asker_and_the_next_request_asks_again() -> None:
    edge = Edge()
    edge.fail = True
    view = LiveView(edge.ask, fresh_seconds=10)

    async def scenario() -> None:
        results = await asyncio.gather(*(view.get() for _ in range(5)), return_exceptions=True)
        assert edge.asked == 1 and all(isinstance(r, EdgeRpcError) for r in results)
        edge.fail = False
        regs, _ = await view.get()
        assert edge.asked == 2 and regs[0]["extension"] == "101"
    asyncio.run(scenario())


def test_one_asker_giving_up_does_not_cancel_the_answer_for_the_others() -> None:
    edge = Edge()
    view = LiveView(edge.ask)

    async def scenario() -> None:
        impatient = asyncio.ensure_future(view.get())
        patient = asyncio.ensure_future(view.get())
        await asyncio.sleep(0.01)
        impatient.cancel()
        regs, _ = await patient
        assert regs and edge.asked == 1
        with pytest.raises(asyncio.CancelledError):
            await impatient
    asyncio.run(scenario())
