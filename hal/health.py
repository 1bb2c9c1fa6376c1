"""Device health: is each serial device or sound card there and working?

Every driver that can lose its hardware (an unplugged USB modem, a controller that
stopped answering) reports a `DeviceStatus` here. The brain shows the statuses, and
its front panel blinks the status LED fast while anything is down.
"""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass

from hal.listeners import Listeners

log = logging.getLogger(__name__)


class DeviceState(enum.Enum):
    STARTING = "starting"  # opened, initialisation not finished yet
    UP = "up"
    DOWN = "down"  # absent or failing; the driver keeps trying to reconnect
    CLOSED = "closed"  # stopped on purpose


@dataclass(frozen=True)
class DeviceStatus:
    device: str
    state: DeviceState
    detail: str = ""


class StatusReporter:
    """The status of one device, with listeners; drivers own one each."""

    def __init__(self, device: str) -> None:
        self.device = device
        self._status = DeviceStatus(device, DeviceState.STARTING)
        self._lock = threading.Lock()
        self.listeners: Listeners[DeviceStatus] = Listeners()

    @property
    def status(self) -> DeviceStatus:
        with self._lock:
            return self._status

    def set(self, state: DeviceState, detail: str = "") -> None:
        with self._lock:
            if self._status.state == state and self._status.detail == detail:
                return
            self._status = DeviceStatus(self.device, state, detail)
            status = self._status
        level = logging.WARNING if state is DeviceState.DOWN else logging.INFO
        log.log(level, "%s is %s%s", self.device, state.value, f": {detail}" if detail else "")
        self.listeners.emit(status)


class HealthMonitor:
    """Collects the statuses of all devices of a box."""

    def __init__(self) -> None:
        self._statuses: dict[str, DeviceStatus] = {}
        self._lock = threading.Lock()
        self.listeners: Listeners[DeviceStatus] = Listeners()

    def watch(self, reporter: StatusReporter) -> None:
        self._update(reporter.status)
        reporter.listeners.add(self._update)

    def _update(self, status: DeviceStatus) -> None:
        with self._lock:
            self._statuses[status.device] = status
        self.listeners.emit(status)

    def statuses(self) -> dict[str, DeviceStatus]:
        with self._lock:
            return dict(self._statuses)

    def faulty(self) -> list[str]:
        """Names of devices that are down, sorted."""
        with self._lock:
            return sorted(name for name, s in self._statuses.items() if s.state is DeviceState.DOWN)
