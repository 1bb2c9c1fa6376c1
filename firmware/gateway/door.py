"""The door station as a SIP phone.

A visitor presses the button: the door calls `door` and the brain decides whom that
rings in the mode now (firmware/door/desk.py); the speech path opens when someone
answers. Calling the door's extension opens the speech path at once (intercom).
Its extension's class of service is 'internal': it never reaches a trunk. The lock
opens only when the brain says so (`open`, asked over the brain's socket).
"""
from __future__ import annotations

import logging
from typing import Any

from firmware.door.config import DOOR_RING
from firmware.gateway.line import Host, Line
from hal.door import DoorStation
from hal.ports import DoorCalled

log = logging.getLogger("minipbx.gateway.door")


class DoorLine(Line):
    kind = "door"

    def __init__(self, name: str, host: Host, device: str, door: DoorStation) -> None:
        super().__init__(name, host, device)
        self.door = door

    def read(self) -> bytes | None:
        return self.door.audio.read_frame()

    def poll_heard(self) -> bytes | None:
        return self.door.audio.poll_frame()

    def write(self, frame: bytes) -> None:
        self.door.audio.write_frame(frame)

    def on_hardware(self, event: object) -> None:
        if not isinstance(event, DoorCalled) or self.state != "idle":
            return
        log.info("%s: a visitor rang", self.name)
        self.state = "calling"
        self.place_call(DOOR_RING)

    def on_sip(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "incoming":
            if self.state != "idle":
                self.host.send(self, {"type": "hangup", "call": message["call"], "code": 486})
                return
            self.call = str(message["call"])
            self.sip("answer", call=self.call, code=200)
            self._talk()
            return
        if not self.is_our_call(message):
            return
        if kind == "answered" and self.state == "calling":
            self._talk()
        elif kind == "ended":
            self.call = None
            self.quiet()
            self.door.hang_up()
            self.state = "idle"

    def _talk(self) -> None:
        self.state = "talking"
        self.door.connect()
        self.relay()

    def open(self, seconds: float) -> str:
        """Release the lock for `seconds`; '' when it opened, else why not."""
        if self.door.lock is None:
            return f"door station {self.name} has no lock on this board"
        try:
            self.door.open_door(seconds)
        except (RuntimeError, ValueError, OSError) as exc:
            return f"door station {self.name}: {exc}"
        return ""

    def snapshot(self) -> dict[str, object]:
        return {**super().snapshot(), "off_hook": self.door.off_hook}
