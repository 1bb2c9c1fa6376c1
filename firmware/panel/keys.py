"""What the front panel's keys mean, apart from the LEDs.

The mode key: a press steps to the next operating mode, a hold goes back to the timetable.
The DECT pairing key: a hold opens the module's subscription window. A board with a DECT module
but no pairing key (two buttons, mode and reset, as on the HATs) opens it when the reset button
is let go after PAIR_SECONDS but before the factory reset's RESET_SECONDS (firmware/panel/leds.py):
a short hold of reset did nothing before, and the countdown on the LEDs shows how far it is.
"""
from __future__ import annotations

STEPS = ("day", "lunch", "break", "night")
HOLD_SECONDS = 3.0
# Held this long, the pairing key (or, without one, reset let go before RESET_SECONDS) opens
# the DECT subscription window for firmware.admin.dect.DEFAULT_WINDOW_SECONDS. A bump does nothing.
PAIR_SECONDS = 3.0


def next_mode(mode: str) -> str:
    """day -> lunch -> break -> night -> day; from a holiday, day."""
    if mode not in STEPS:
        return STEPS[0]
    return STEPS[(STEPS.index(mode) + 1) % len(STEPS)]
