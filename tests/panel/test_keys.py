from __future__ import annotations

from firmware.panel.keys import next_mode


def test_the_mode_key_steps_day_lunch_break_night_and_round() -> None:
    seen = ["day"]
    for _ in range(4):
        seen.append(next_mode(seen[-1]))
    assert seen == ["day", "lunch", "break", "night", "day"]
    assert next_mode("holiday") == "day"
