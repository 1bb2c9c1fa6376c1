"""Helpers for the call-control tests: two phones talking, music heard, tones heard."""
from __future__ import annotations

from pathlib import Path

from firmware.calls.music import NOTES_HZ
from tests.support.audio import tone_seconds
from tests.support.phone import Phone


def connect(caller: Phone, callee: Phone, number: str) -> None:
    caller.call(number)
    callee.wait("incoming")
    callee.answer(200)
    caller.wait("connected")
    callee.wait("connected")


def music_seconds(recording: Path) -> float:
    """How long the default music on hold was heard (its notes are known)."""
    return sum(tone_seconds(recording, hz) for hz in sorted(set(NOTES_HZ)))
