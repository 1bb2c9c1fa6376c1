"""How many call workers the brain starts for a board's call capacity: enough legs, and two at least
(a crash takes only part of the calls, and both cores carry calls)."""
from __future__ import annotations

import pytest

from firmware.brain.supervisor import workers_needed


@pytest.mark.parametrize(
    ("calls", "legs_per_worker", "workers"),
    [
        (8, 4, 4),    # a build of 4 legs (the PyPI wheel) = 2 bridged calls per worker
        (1, 4, 2),
        (3, 4, 2),
        (9, 4, 5),
        (8, 5, 4),    # an odd leg left over holds no bridged call
        (8, 256, 2),  # our build holds the whole board in one worker; a second one still runs
        (256, 256, 2),
        (257, 256, 3),
        (1000, 4, 500),
    ],
)
def test_workers_for_a_board(calls: int, legs_per_worker: int, workers: int) -> None:
    assert workers_needed(calls, legs_per_worker) == workers
