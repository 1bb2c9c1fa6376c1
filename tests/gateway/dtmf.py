"""A DTMF decoder for tests: what keys does a recording contain?

Per 20 ms block, the strongest of the four row and four column frequencies
(Goertzel, tests/support/audio.py) must each carry a good share of the block's
power; consecutive blocks with the same key count once, silence separates keys.
"""
from __future__ import annotations

import numpy as np

from firmware.media.tones import DTMF_FREQUENCIES
from tests.support.audio import Audio, block_power, goertzel_power

ROWS = (697, 770, 852, 941)
COLUMNS = (1209, 1336, 1477, 1633)
_KEYS = {freqs: key for key, freqs in DTMF_FREQUENCIES.items()}


def decode_dtmf(audio: Audio, block_ms: float = 20.0) -> str:
    total = block_power(audio, block_ms)
    rows = np.array([goertzel_power(audio, f, block_ms) for f in ROWS])
    columns = np.array([goertzel_power(audio, f, block_ms) for f in COLUMNS])
    keys = ""
    previous = ""
    for i in range(len(total)):
        key = ""
        row, column = int(np.argmax(rows[:, i])), int(np.argmax(columns[:, i]))
        if total[i] > 1e-5 and rows[row, i] > 0.2 * total[i] and columns[column, i] > 0.2 * total[i]:
            key = _KEYS[(ROWS[row], COLUMNS[column])]
        if key and key != previous:
            keys += key
        previous = key
    return keys
