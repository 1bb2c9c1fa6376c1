"""Call-progress tones per country (ITU-T E.180 and national plans).

A tone is a list of segments (freq1 Hz, freq2 Hz, on ms, off ms) played in a loop.
"""
from __future__ import annotations

Segment = tuple[int, int, int, int]

# Special information tone: 950, 1400, 1800 Hz, 330 ms each, then silence. It
# tells a caller (and an autodialler) that the number cannot be reached.
_SIT: list[Segment] = [(950, 0, 330, 30), (1400, 0, 330, 30), (1800, 0, 330, 1000)]
# Confirmation after a feature code: three short high beeps.
_CONFIRM: list[Segment] = [(1400, 0, 120, 80), (1400, 0, 120, 80), (1400, 0, 120, 1000)]

TONE_PLANS: dict[str, dict[str, list[Segment]]] = {
    "EU": {
        "dial": [(425, 0, 1000, 0)],
        "ringback": [(425, 0, 1000, 4000)],
        "busy": [(425, 0, 500, 500)],
        "congestion": [(425, 0, 250, 250)],
        "unavailable": _SIT,
        "confirm": _CONFIRM,
    },
    "US": {
        "dial": [(350, 440, 1000, 0)],
        "ringback": [(440, 480, 2000, 4000)],
        "busy": [(480, 620, 500, 500)],
        "congestion": [(480, 620, 250, 250)],
        "unavailable": _SIT,
        "confirm": _CONFIRM,
    },
    "UK": {
        "dial": [(350, 450, 1000, 0)],
        "ringback": [(400, 450, 400, 200), (400, 450, 400, 2000)],
        "busy": [(400, 0, 375, 375)],
        "congestion": [(400, 0, 400, 350), (400, 0, 225, 525)],
        "unavailable": _SIT,
        "confirm": _CONFIRM,
    },
}


def tone(country: str, name: str) -> list[list[int]]:
    """The segments of a named tone, as the worker protocol carries them."""
    return [list(segment) for segment in TONE_PLANS[country][name]]
