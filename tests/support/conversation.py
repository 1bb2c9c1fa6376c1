"""Two test phones in a conversation through the PBX: set it up, talk, check both heard the other.
Also how long a phone heard music on hold (the default class's notes are known)."""
from __future__ import annotations

import time
from pathlib import Path

from firmware.calls.music import NOTES_HZ
from tests.support.audio import tone_seconds
from tests.support.phone import Phone

# Each direction must carry the far end's tone for most of the talk time.
MIN_HEARD = 1.2


def connect(caller: Phone, callee: Phone, number: str) -> None:
    """`caller` dials `number`, `callee` rings and answers; both are connected."""
    caller.call(number)
    callee.wait("incoming")
    caller.wait("ringing", code=180)
    callee.answer(200)
    caller.wait("connected")
    callee.wait("connected")


def talk_and_hang_up(a: Phone, a_hz: int, c: Phone, c_hz: int, seconds: float = 2.0) -> tuple[Path, Path]:
    """a and c talk, then a hangs up; both must have heard the other's tone. Their recordings."""
    time.sleep(seconds)
    a.hangup()
    heard_by_a = a.wait("disconnected")["recording"]
    heard_by_c = c.wait("disconnected")["recording"]
    assert tone_seconds(heard_by_a, c_hz) >= MIN_HEARD, f"{a.user} does not hear {c.user}"
    assert tone_seconds(heard_by_c, a_hz) >= MIN_HEARD, f"{c.user} does not hear {a.user}"
    return heard_by_a, heard_by_c


def music_seconds(recording: Path) -> float:
    """How long the default music on hold was heard."""
    return sum(tone_seconds(recording, hz) for hz in sorted(set(NOTES_HZ)))
