"""A call worker whose SIP port another program took first says so, and the brain can try another."""
from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from firmware.brain.workers import WorkerHandle, WorkerPlan, WorkerPortTaken
from tests.support.parallel import rtp_base


async def _noop_lost(_: WorkerHandle) -> None:
    return None


def test_a_taken_sip_port_is_reported_as_such(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        port = int(squatter.getsockname()[1])
        plan = WorkerPlan(number=1, sip_port=port, media_addr="127.0.0.1", rtp_base=rtp_base(), rtp_range=200)
        handle = WorkerHandle(plan, tmp_path, on_event=lambda worker, message: None, on_lost=_noop_lost)
        with pytest.raises(WorkerPortTaken, match=f"SIP port {port} was taken"):
            asyncio.run(handle.start())
    # The same handle starts once it is given a free port.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        free = int(probe.getsockname()[1])
    handle.plan = WorkerPlan(number=1, sip_port=free, media_addr="127.0.0.1", rtp_base=rtp_base(), rtp_range=200)

    async def start_and_stop() -> int:
        await handle.start()
        capacity = handle.capacity
        assert handle.child is not None
        await handle.child.stop()
        return capacity

    assert asyncio.run(start_and_stop()) >= 2
