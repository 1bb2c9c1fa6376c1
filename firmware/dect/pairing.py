"""What a pairing request may ask for: how long the DECT module's subscription window stays
open and which extension the new handset gets. Checked here once, for the CLI, the API and
(later) keypad programming; the front panel's pairing key always asks for the default window
and the next free extension."""
from __future__ import annotations

import sqlite_utils

from firmware.dialplan.taken import check_group_number

# What `minipbx dect pair` and the front panel's pairing key open when nothing else is asked for.
DEFAULT_WINDOW_SECONDS = 120
MAX_WINDOW_SECONDS = 255  # one byte in the module's SUBSCRIPTION frame (docs/hardware/dect-module.md)


class DectPairingError(ValueError):
    """A pairing request asked for something not accepted; the message names the value."""


def check_window(seconds: int) -> int:
    if not 1 <= seconds <= MAX_WINDOW_SECONDS:
        raise DectPairingError(f"a subscription window of {seconds} s is not accepted; "
                               f"1-{MAX_WINDOW_SECONDS} seconds")
    return seconds


def check_extension(db: sqlite_utils.Database, number: str) -> str:
    """`number` if a new handset may take it: digits in the extension ranges that nothing answers yet."""
    return check_group_number(db, number, "extension", "", DectPairingError)
