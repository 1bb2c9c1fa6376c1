"""The mode key: a press steps to the next operating mode, a hold goes back to the timetable."""
from __future__ import annotations

STEPS = ("day", "lunch", "break", "night")
HOLD_SECONDS = 3.0


def next_mode(mode: str) -> str:
    """day -> lunch -> break -> night -> day; from a holiday, day."""
    if mode not in STEPS:
        return STEPS[0]
    return STEPS[(STEPS.index(mode) + 1) % len(STEPS)]
