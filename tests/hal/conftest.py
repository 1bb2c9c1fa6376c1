from __future__ import annotations

import pytest

from hal.backoff import Backoff
from hal.clock import ManualClock
from hal.gpio.sim import SimPinFactory


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def pins(clock: ManualClock) -> SimPinFactory:
    return SimPinFactory(clock)


@pytest.fixture
def fast_backoff() -> Backoff:
    # Reconnect quickly so unplug/replug tests finish fast; the logic is the same.
    return Backoff(first=0.02, maximum=0.2)
