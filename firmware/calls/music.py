"""Music on hold: what a held, parked or transferred caller hears.

A music class is a file the call workers loop: class `default` works out of the box
(a soft melody the brain writes at start, `<data>/music/default.wav`); any class,
`default` included, can be replaced by an upload (`minipbx moh upload NAME FILE`),
stored as the custom prompt `moh-NAME` with the prompts' converter and checks.
Each worker keeps one player per class for all its held callers.
"""
from __future__ import annotations

import array
import math
import os
import sys
import wave
from pathlib import Path

import sqlite_utils

from firmware.prompts.library import CUSTOM_NAME
from firmware.prompts.upload import get_prompt, prompt_path

DEFAULT_CLASS = "default"
PROMPT_PREFIX = "moh-"
RATE = 8000
# A-major arpeggio, each note NOTE_SECONDS with a soft attack and release: clearly music,
# and its notes are known, so a test can find them in what a held caller heard.
NOTES_HZ = (440.0, 554.37, 659.25, 554.37)
NOTE_SECONDS = 0.5


class MusicError(ValueError):
    """A music class that does not exist or cannot be removed; the text says which."""


def prompt_name(music_class: str) -> str:
    return PROMPT_PREFIX + music_class


def check_class_name(music_class: str) -> str:
    """A name a class may have: its prompt name (`moh-` and the class) is a custom prompt name."""
    if not CUSTOM_NAME.fullmatch(PROMPT_PREFIX + music_class):
        raise MusicError(f"music class {music_class!r} is not accepted; use 1-{40 - len(PROMPT_PREFIX)} "
                         f"letters, digits, '-' or '_' (e.g. {DEFAULT_CLASS} or jazz)")
    return music_class


def check_class(db: sqlite_utils.Database, music_class: str) -> str:
    """A class callers can hear: `default`, or one uploaded with `minipbx moh upload`."""
    if music_class != DEFAULT_CLASS and get_prompt(db, prompt_name(music_class)) is None:
        raise MusicError(f"music class {music_class!r} does not exist; upload it with `minipbx moh upload "
                         f"{music_class} FILE` or use {DEFAULT_CLASS}")
    return music_class


def classes_in_use(db: sqlite_utils.Database, music_class: str) -> list[str]:
    """The routes and queues whose callers hear this class."""
    rows = db.execute("SELECT trunk, did, mode FROM inbound_routes WHERE music = ?", [music_class]).fetchall()
    queues = db.execute("SELECT name FROM queues WHERE music = ?", [music_class]).fetchall()
    return [f"route {trunk}/{did or 'any'}/{mode}" for trunk, did, mode in rows] + [
        f"queue {name}" for (name,) in queues]


def music_files(db: sqlite_utils.Database, data_dir: Path, music_class: str = DEFAULT_CLASS) -> list[str]:
    """Absolute paths of the class's files; a class without an upload is the default melody."""
    for name in (music_class, DEFAULT_CLASS):
        uploaded = get_prompt(db, prompt_name(name))
        if uploaded is not None:
            path = prompt_path(data_dir, uploaded.name)
            if path.exists():
                return [str(path.resolve())]
    return [str(default_melody(data_dir).resolve())]


def default_melody(data_dir: Path) -> Path:
    path = data_dir / "music" / "default.wav"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # Plain Python (64 000 samples, ~0.1 s once per data directory): the brain makes this at
    # start, and numpy would stay loaded in it for good (~7 MiB) for nothing else.
    count = int(RATE * NOTE_SECONDS)
    envelope = [min(1.0, i / RATE / 0.03, (NOTE_SECONDS - i / RATE) / 0.08) for i in range(count)]
    samples = array.array("h", (int(0.25 * envelope[i] * math.sin(2 * math.pi * hz * i / RATE) * 32767)
                                for hz in NOTES_HZ * 4 for i in range(count)))
    if sys.byteorder == "big":
        samples.byteswap()  # WAV is little-endian
    pcm = samples.tobytes()
    part = path.with_suffix(".part")
    with wave.open(str(part), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)
    os.replace(part, path)
    return path
