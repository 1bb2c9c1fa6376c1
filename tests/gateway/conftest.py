"""A real PBX on the simulated board with its line gateway, and the simulated board's
other side (the analog phones, the exchange line, the DECT handsets, the door)
reached through the gateway's simulator socket."""
from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from firmware.gateway.simcontrol import SimClient
from tests.support.audio import Audio
from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx

# The sim board's ports take the lowest free numbers at first start, in board order.
EXTENSIONS = {"fxs1": "100", "fxs2": "101", "dect1": "102", "dect2": "103", "door1": "104", "zone1": "105"}
BOUND = 15.0


class Board:
    """The simulated board of a running PBX, as a test drives it."""

    def __init__(self, client: SimClient) -> None:
        self.client = client

    def __call__(self, cmd: str, **fields: Any) -> dict[str, Any]:
        return self.client.request(cmd, **fields)

    def state(self) -> dict[str, Any]:
        return self.client.request("state")

    def phone(self, port: str) -> dict[str, Any]:
        phone: dict[str, Any] = self.state()["phones"][port]
        return phone

    def heard(self, port: str, since: float = 0.0) -> Audio:
        """What the device on `port` heard since `record` (or since monotonic time `since`)."""
        answer = self.client.request("heard", port=port)
        pcm = base64.b64decode(answer["pcm"])
        start = 0
        for t, offset in answer["marks"]:
            if t <= since:
                start = offset
        samples = np.frombuffer(pcm[start - start % 2:], dtype="<i2").astype(np.float64) / 32768.0
        return Audio(samples, 8000)


def eventually(check: Callable[[], Any], timeout: float = BOUND, what: str = "condition") -> Any:
    """Wait (bounded) until `check()` returns something true, and return it."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s (last: {value!r})")
        time.sleep(0.05)


@pytest.fixture
def gateway_pbx(tmp_path_factory: pytest.TempPathFactory, phone_factory: PhoneFactory) -> Iterator[RunningPbx]:
    data_dir = Path(tmp_path_factory.mktemp("gw", numbered=True))
    running = RunningPbx(data_dir, phone_factory, gateway=True)
    running.start()
    try:
        yield running
    finally:
        phone_factory.close_all()
        running.close()
        print(f"--- minipbx output ({data_dir}):\n{running.output()[-4000:]}")
        for log in sorted((data_dir / "logs").glob("gateway*.log")):
            print(f"--- {log.name}:\n{log.read_text(errors='replace')[-4000:]}")


@pytest.fixture
def board(gateway_pbx: RunningPbx) -> Iterator[Board]:
    with SimClient(gateway_pbx.data_dir / "run" / "sim.sock") as client:
        yield Board(client)
