from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hal.backoff import Backoff
from hal.clock import ManualClock
from hal.fxo.line import FxoLine, LineState
from hal.fxo.sim import VoiceModemSimulator
from tests.hal.eventually import EventLog, eventually


class LineUnderTest:
    def __init__(self, sim: VoiceModemSimulator, line: FxoLine) -> None:
        self.sim = sim
        self.line = line
        self.events = EventLog()
        line.add_listener(self.events)

    def ready(self) -> None:
        eventually(lambda: self.line.state is LineState.IDLE, what=f"{self.line.name} initialised")


def open_line(sim: VoiceModemSimulator, clock: ManualClock, backoff: Backoff, **kwargs: bool) -> LineUnderTest:
    line = FxoLine(sim.url, name="fxo1", clock=clock, backoff=backoff, **kwargs)  # type: ignore[arg-type]
    under_test = LineUnderTest(sim, line)
    line.start()
    under_test.ready()
    return under_test


@pytest.fixture
def fxo(tmp_path: Path, clock: ManualClock, fast_backoff: Backoff) -> Iterator[LineUnderTest]:
    sim = VoiceModemSimulator.on_pty(tmp_path / "ttyFXO", clock=clock)
    under_test = open_line(sim, clock, fast_backoff)
    yield under_test
    under_test.line.close()
    sim.close()
