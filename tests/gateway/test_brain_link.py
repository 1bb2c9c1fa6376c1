"""The brain <-> line host link refuses what is not a well-typed message of its direction."""
from __future__ import annotations

import pytest

from firmware.gateway import brain_link
from firmware.gateway.brain_link import OpenDoor


def test_a_request_round_trips() -> None:
    line = brain_link.encode(OpenDoor(type="open_door", id=3, door="door1", seconds=5))
    assert brain_link.parse(line, brain_link.TO_HOST) == {"type": "open_door", "id": 3, "door": "door1",
                                                           "seconds": 5}


def test_wrong_lines_are_dropped_with_the_reason(caplog: pytest.LogCaptureFixture) -> None:
    assert brain_link.parse(b'{"type": "open_door", "id": 1, "door": "door1"}', brain_link.TO_HOST) is None
    assert "lacks seconds" in caplog.text
    assert brain_link.parse(b'{"type": "open_door", "id": "1", "door": "d", "seconds": 5}',
                            brain_link.TO_HOST) is None
    assert "field id" in caplog.text
    # A host's answer is not a request, and a request is not an answer.
    assert brain_link.parse(b'{"type": "door_opened", "id": 1, "error": ""}', brain_link.TO_HOST) is None
    assert brain_link.parse(b'{"type": "open_door", "id": 1, "door": "d", "seconds": 5}',
                            brain_link.FROM_HOST) is None
    assert brain_link.parse(b"not json", brain_link.FROM_HOST) is None
    assert "not JSON" in caplog.text
