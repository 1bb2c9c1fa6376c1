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


FromHost = HostHello | AgentsNeeded | HostStatus | DoorOpened
ToHost = StatusRequest | OpenDoor
TO_HOST = MessageTable(StatusRequest, OpenDoor)
FROM_HOST = MessageTable(HostHello, AgentsNeeded, HostStatus, DoorOpened)


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
