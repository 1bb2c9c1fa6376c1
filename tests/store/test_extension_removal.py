"""Removing an extension takes its mailbox, forwarding and group places with it, so a
number given to someone new starts clean; a ring group's or a queue's number cannot become an
extension."""
from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import pytest

from firmware.apps.forwarding.config import get_forwarding, set_dnd, set_forwarding
from firmware.apps.ringgroups.config import get_ring_group, set_ring_group
from firmware.apps.voicemail.store import check_pin, counts, recording_path, set_pin, store_message
from firmware.pins.guard import Guesser
from firmware.queues.config import get_queue, queues_of, set_login, set_queue
from firmware.store.database import open_store
from firmware.store.extensions import ExtensionError, add_extension, remove_extension


def _wav(path: Path, seconds: float = 2.0) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x10\x00" * int(8000 * seconds))
    return path


def test_removed_extension_leaves_nothing_for_the_next_owner(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    for number in ("101", "102", "103"):
        add_extension(db, number, f"User {number}")
    set_pin(db, "101", "4826")
    set_dnd(db, "101", True)
    set_forwarding(db, "101", always="ext:102")
    set_forwarding(db, "103", busy="voicemail:101", no_answer="ext:101")
    set_ring_group(db, "sales", members=["101", "102"])
    set_queue(db, "support", overflow="hangup", agents=["102", "101~"])
    set_login(db, "support", "101", True)
    assert store_message(db, tmp_path, "101", "0301234", "", _wav(recording_path(tmp_path, "101"))) is not None
    remove_extension(db, "101")
    add_extension(db, "101", "New person")
    assert counts(db, "101") == (0, 0)
    assert not asyncio.run(check_pin(db, "101", "4826", Guesser("102", "ext:102")))
    assert not list((tmp_path / "voicemail").glob("101/msg-*.wav"))
    fwd = get_forwarding(db, "101")
    assert (fwd.dnd, fwd.always) == (False, "")
    other = get_forwarding(db, "103")
    assert (other.busy, other.no_answer) == ("", "")
    group = get_ring_group(db, "sales")
    assert group is not None and group.members == ("102",)
    # Nor their place (and login) in a queue: the new 101 is an agent nowhere.
    queue = get_queue(db, "support")
    assert queue is not None and [a.extension for a in queue.agents] == ["102"]
    assert queues_of(db, "101") == []


def test_ring_group_number_is_not_free_for_an_extension(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    add_extension(db, "101", "User")
    set_ring_group(db, "sales", number="150", members=["101"])
    with pytest.raises(ExtensionError, match="number of ring group sales"):
        add_extension(db, "150", "Clash")


def test_queue_number_is_not_free_for_an_extension(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    set_queue(db, "support", number="160", overflow="hangup")
    with pytest.raises(ExtensionError, match=r"^extension number 160 is not accepted: it is the number of queue "
                                             r"support; choose another number or change the queue's$"):
        add_extension(db, "160", "Clash")
