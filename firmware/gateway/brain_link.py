"""The link between the brain and the line host (docs/line-gateway.md, "The brain's link").

One JSON object per line over the socket the brain hands the line host at start. Requests
flow brain -> host, answers and reports host -> brain. Each message type is a TypedDict
below and is checked on arrival by the same machinery as the brain <-> worker protocol
(firmware/worker/protocol.py): a line that is not a complete, well-typed message of its
direction is dropped and logged, never half-acted on.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Literal, TypedDict

from firmware.worker.protocol import Message, MessageTable, ProtocolError, check

log = logging.getLogger("minipbx.gateway.brain_link")


# ---- brain -> line host --------------------------------------------------------------------
class StatusRequest(TypedDict):
    type: Literal["status"]


class OpenDoor(TypedDict):
    """Pulse door `door`'s lock for `seconds`; answered by DoorOpened with the same id."""
    type: Literal["open_door"]
    id: int
    door: str
    seconds: float


class PanelLeds(TypedDict):
    """What front-panel LEDs show, by LED name: "off", "on" or a pattern of hal.gpio.led.PATTERNS.
    Sent when some change (only those) and all of them when the host says hello."""
    type: Literal["panel_leds"]
    leds: dict[str, str]


class DectPair(TypedDict):
    """Open the DECT module's subscription window for `seconds`; the next handset that subscribes
    gets extension `extension` ('' = the lowest free). Answered by DectPairing with the same id."""
    type: Literal["dect_pair"]
    id: int
    seconds: int
    extension: str


class DectRemove(TypedDict):
    """Deregister the DECT handset on port `port` from the module; its port and SIP account go
    (its extension stays, without a device). Answered by DectRemoved with the same id."""
    type: Literal["dect_remove"]
    id: int
    port: str


# ---- line host -> brain --------------------------------------------------------------------
class HostHello(TypedDict):
    type: Literal["hello"]
    pid: int
    agents: int  # SIP agents to start for the board's ports
    ports: list[str]


class AgentsNeeded(TypedDict):
    type: Literal["agents"]
    count: int


class HostStatus(TypedDict):
    type: Literal["status"]
    # ports, devices and agents as the host sees them (LineHost.status); read by the brain's
    # status, which fills in what is missing when the host is away.
    status: dict[str, Any]


class DoorOpened(TypedDict):
    type: Literal["door_opened"]
    id: int
    error: str  # '' when the lock pulsed, else why not


class PanelButton(TypedDict):
    """A front-panel button held for each whole second (released false), and let go (released true,
    held_seconds the whole press)."""
    type: Literal["panel_button"]
    button: str
    function: str  # its board function: mode, reset, dect_pair
    held_seconds: float
    released: bool


class DevicesDown(TypedDict):
    """The board's devices that are down now (the status LED blinks fast); sent after hello and at
    every change."""
    type: Literal["devices_down"]
    devices: list[str]


class DectPairing(TypedDict):
    type: Literal["dect_pairing"]
    id: int
    error: str  # '' when the window is open, else why not


class DectRemoved(TypedDict):
    type: Literal["dect_removed"]
    id: int
    error: str  # '' when the handset is deregistered and its port gone, else why not


class DectSubscribed(TypedDict):
    """A new DECT handset subscribed and is now port `port` with extension `extension`."""
    type: Literal["dect_subscribed"]
    port: str
    ipui: str
    extension: str
    cell: int


# What the front panel in the brain hears from the host (firmware/panel/service.py).
PanelReport = HostHello | PanelButton | DevicesDown
FromHost = (HostHello | AgentsNeeded | HostStatus | DoorOpened | PanelButton | DevicesDown | DectPairing
            | DectRemoved | DectSubscribed)
ToHost = StatusRequest | OpenDoor | PanelLeds | DectPair | DectRemove
TO_HOST = MessageTable(StatusRequest, OpenDoor, PanelLeds, DectPair, DectRemove)
FROM_HOST = MessageTable(HostHello, AgentsNeeded, HostStatus, DoorOpened, PanelButton, DevicesDown, DectPairing,
                         DectRemoved, DectSubscribed)


def encode(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), default=str).encode() + b"\n"


def parse(line: bytes, accepted: MessageTable) -> Message | None:
    """The checked message (of a type in `accepted`: TO_HOST or FROM_HOST), or None for a
    line that is not one (logged with what is wrong)."""
    try:
        return check(json.loads(line), accepted, line)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # ProtocolError is a ValueError: a wrong message and a broken one are both dropped.
        log.warning("dropped a line on the brain's link: %s", exc if isinstance(exc, ProtocolError) else "not JSON")
        return None
