"""A paging zone as a SIP phone that answers by itself: calling its extension puts
the caller on the loudspeakers (amplifier on) until the caller hangs up."""
from __future__ import annotations

from typing import Any

from firmware.gateway.line import Host, Line
from hal.paging import PagingZone


class PagingLine(Line):
    kind = "paging"

    def __init__(self, name: str, host: Host, device: str, zone: PagingZone) -> None:
        super().__init__(name, host, device)
        self.zone = zone

    def write(self, frame: bytes) -> None:
        self.zone.write_frame(frame)

    def on_sip(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "incoming":
            if self.state != "idle":
                self.host.send(self, {"type": "hangup", "call": message["call"], "code": 486})
                return
            self.call = str(message["call"])
            self.zone.start()
            self.sip("answer", call=self.call, code=200)
            self.state = "paging"
            self.relay()
        elif kind == "ended" and self.is_our_call(message):
            self.call = None
            self.quiet()
            self.zone.stop()
            self.state = "idle"

    def snapshot(self) -> dict[str, object]:
        return {**super().snapshot(), "amplifier": self.zone.active}
