"""How many call workers the brain starts for a board's call capacity."""
from __future__ import annotations

import pytest

from firmware.brain.supervisor import workers_needed


@pytest.mark.parametrize(
    ("calls", "legs_per_worker", "workers"),
    [
        (8, 4, 4),    # the PyPI pjsua2 build: 4 legs = 2 bridged calls per worker
        (1, 4, 1),
        (2, 4, 1),
        (3, 4, 2),
        (9, 4, 5),
        (8, 5, 4),    # an odd leg left over holds no bridged call
        (8, 64, 1),   # a build compiled for 64 legs holds the whole board
        (32, 64, 1),
        (33, 64, 2),
        (1000, 4, 500),
    ],
)
def test_workers_for_a_board(calls: int, legs_per_worker: int, workers: int) -> None:
    assert workers_needed(calls, legs_per_worker) == workers
