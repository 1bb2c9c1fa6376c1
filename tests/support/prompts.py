"""The system prompts a running PBX plays (the same files it finds), to tell what a caller heard.

    assert heard(caller.recording(), "forwarding-on")

Prompts are speech, so "heard" means the prompt's own samples are found in the recording
(tests/support/audio.find_clip). `seconds` is how long prompts take, for a test that has to
wait until the PBX listens for the next key.
"""
from __future__ import annotations

import os
import wave
from pathlib import Path

from firmware.prompts.library import PromptLibrary, find_system_dir
from tests.support.audio import best_match, find_clip

LANGUAGE = "en"


def prompt(name: str) -> Path:
    """The file of system prompt `name` (English), as the PBX under test plays it."""
    return PromptLibrary(find_system_dir(), Path(os.devnull)).system(name, LANGUAGE)


def seconds(*names: str) -> float:
    """How long these prompts take one after the other."""
    total = 0.0
    for name in names:
        with wave.open(str(prompt(name)), "rb") as w:
            total += w.getnframes() / w.getframerate()
    return total


def heard(recording: Path, name: str) -> bool:
    """Did the phone that made `recording` hear prompt `name`?"""
    return find_clip(recording, prompt(name)) is not None


def heard_at(recording: Path, name: str) -> float | None:
    """Seconds into `recording` where prompt `name` begins, None if it was not heard."""
    return find_clip(recording, prompt(name))



def said_digits(recording: Path, start: float, count: int) -> str:
    """The `count` digits the PBX said one after the other from about `start` seconds into
    `recording` (a password spoken digit by digit): at each place, the digit prompt that matches
    best, then on past its length. Choosing the best of ten is robust to the frames a loaded
    machine drops, where a threshold per digit misses short ones."""
    said = ""
    at = start
    for _ in range(count):
        _, begins, digit = max((*best_match(recording, prompt(f"digit-{d}"), at - 0.3, at + 0.5), str(d))
                               for d in range(10))
        said += digit
        at = begins + seconds(f"digit-{digit}")
    return said
