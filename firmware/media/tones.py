"""Call-progress tones per country (ITU-T E.180 and national plans), and what an
analog phone on the line gateway gets per country: ring cadence and caller ID.

A tone is a list of segments (freq1 Hz, freq2 Hz, on ms, off ms) played in a loop.
"""
from __future__ import annotations

Segment = tuple[int, int, int, int]

# Special information tone: 950, 1400, 1800 Hz, 330 ms each, then silence. It
# tells a caller (and an autodialler) that the number cannot be reached.
_SIT: list[Segment] = [(950, 0, 330, 30), (1400, 0, 330, 30), (1800, 0, 330, 1000)]
# Confirmation after a feature code: three short high beeps.
_CONFIRM: list[Segment] = [(1400, 0, 120, 80), (1400, 0, 120, 80), (1400, 0, 120, 1000)]
# "Speak now": one beep before a message or greeting is recorded.
_BEEP: list[Segment] = [(1000, 0, 400, 100)]

TONE_PLANS: dict[str, dict[str, list[Segment]]] = {
    "EU": {
        "dial": [(425, 0, 1000, 0)],
        "ringback": [(425, 0, 1000, 4000)],
        "busy": [(425, 0, 500, 500)],
        "congestion": [(425, 0, 250, 250)],
        "unavailable": _SIT,
        "confirm": _CONFIRM,
        "beep": _BEEP,
    },
    "US": {
        "dial": [(350, 440, 1000, 0)],
        "ringback": [(440, 480, 2000, 4000)],
        "busy": [(480, 620, 500, 500)],
        "congestion": [(480, 620, 250, 250)],
        "unavailable": _SIT,
        "confirm": _CONFIRM,
        "beep": _BEEP,
    },
    "UK": {
        "dial": [(350, 450, 1000, 0)],
        "ringback": [(400, 450, 400, 200), (400, 450, 400, 2000)],
        "busy": [(400, 0, 375, 375)],
        "congestion": [(400, 0, 400, 350), (400, 0, 225, 525)],
        "unavailable": _SIT,
        "confirm": _CONFIRM,
        "beep": _BEEP,
    },
}


def tone(country: str, name: str) -> list[list[int]]:
    """The segments of a named tone, as the worker protocol carries them."""
    return [list(segment) for segment in TONE_PLANS[country][name]]


# Ring cadence of analog phones, (on s, off s, ...) repeated: ETSI/CEPT 1 s on 4 s off
# (ETSI ES 201 970), North America 2 s on 4 s off, the UK double ring.
RING_CADENCES: dict[str, tuple[float, ...]] = {
    "EU": (1.0, 4.0),
    "US": (2.0, 4.0),
    "UK": (0.4, 0.2, 0.4, 2.0),
}

# How caller ID reaches an analog phone unless the `analog_caller_id` setting says
# otherwise: FSK (ETSI V.23 or Bell 202, sent by the line controller in the first
# ring pause) or DTMF before the first ring (ETSI EN 300 659-1, Nordic countries,
# the Netherlands, ...).
CALLER_ID_METHODS = ("fsk", "dtmf", "off")
DEFAULT_CALLER_ID: dict[str, str] = {"EU": "fsk", "US": "fsk", "UK": "fsk"}

# DTMF keypad frequencies (ITU-T Q.23): row (low) and column (high) tone of each key.
DTMF_FREQUENCIES: dict[str, tuple[int, int]] = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633),
}


# An intercom call (*80, a page) on an analog phone or DECT handset: three short rings,
# unlike every country's outside-call cadence, as office PBXs ring internal calls apart.
INTERCOM_CADENCE = (0.25, 0.25, 0.25, 0.25, 0.25, 2.75)


def ring_cadence(country: str, intercom: bool = False) -> tuple[float, ...]:
    return INTERCOM_CADENCE if intercom else RING_CADENCES[country]


# Stutter dial tone: a voice message is waiting (an analog phone's message-waiting
# indication). The country's dial tone broken ten times, 100 ms on, 100 ms off, then
# steady - the North American message-waiting tone (Telcordia GR-506), used with each
# plan's own dial-tone frequencies for EU and UK too.
STUTTER_BREAKS = 10


def stutter_dial(country: str) -> list[list[int]]:
    """The broken start of the stutter dial tone, played once; the plan's steady "dial"
    tone follows it."""
    freq1, freq2, _, _ = TONE_PLANS[country]["dial"][0]
    return [[freq1, freq2, 100, 100] for _ in range(STUTTER_BREAKS)]


def caller_id_method(country: str, setting: str) -> str:
    """fsk, dtmf or off: the `analog_caller_id` setting, or the country's usual method for 'auto'."""
    return DEFAULT_CALLER_ID[country] if setting == "auto" else setting
