"""What every telephone-like port offers the line gateway, and the events it reports.

FXS ports, DECT handsets and door stations are *ports*: a phone-side device the
gateway makes look like a SIP phone. FXO lines are the other way round (the
gateway is the phone) and have their own API in hal.fxo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hal.audio.endpoint import AudioEndpoint

DIGITS = "0123456789*#ABCD"


@dataclass(frozen=True)
class CallerId:
    """Who is calling. `number` may be "P" (withheld) or "O" (unavailable), as on the wire."""

    number: str = ""
    name: str = ""
    date: str = ""  # MMDD, as network caller ID sends it
    time: str = ""  # HHMM


@dataclass(frozen=True)
class RingCadence:
    """On/off durations in seconds, repeated while ringing (first value is 'on')."""

    pattern: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.pattern or len(self.pattern) % 2 or len(self.pattern) > 8:
            raise ValueError("a ring cadence is 1 to 4 (on, off) pairs")
        if any(not 0.05 <= seconds <= 10 for seconds in self.pattern):
            raise ValueError("each ring cadence step must be 0.05-10 seconds")

    @property
    def period(self) -> float:
        return sum(self.pattern)


# Common cadences: North America / ETSI (2 s on, 4 s off) and the UK double ring.
CADENCE_STANDARD = RingCadence((2.0, 4.0))
CADENCE_UK = RingCadence((0.4, 0.2, 0.4, 2.0))
# Distinctive ring for door-phone and internal calls on many office systems.
CADENCE_INTERNAL = RingCadence((1.0, 4.0))


@dataclass(frozen=True)
class HookChanged:
    port: str
    off_hook: bool


@dataclass(frozen=True)
class DigitPressed:
    port: str
    digit: str


@dataclass(frozen=True)
class FlashPressed:
    """A short on-hook (hook flash / R key): transfer, hold, etc."""

    port: str


@dataclass(frozen=True)
class PortFault:
    """The port itself reports a problem (e.g. line shorted, SLIC overheated)."""

    port: str
    reason: str


@dataclass(frozen=True)
class DoorCalled:
    """A visitor pressed the door station's call button."""

    port: str


PortEvent = HookChanged | DigitPressed | FlashPressed | PortFault | DoorCalled


class LinePort(Protocol):
    """A phone-side port. Methods that talk to hardware block for at most a second
    or so and are thread-safe; do not call them from pjsua2's clock thread."""

    name: str

    @property
    def audio(self) -> AudioEndpoint: ...

    @property
    def off_hook(self) -> bool: ...

    def ring(self, caller_id: CallerId | None = None, cadence: RingCadence = CADENCE_STANDARD) -> None: ...

    def stop_ring(self) -> None: ...

    def add_listener(self, callback: Callable[[PortEvent], None]) -> Callable[[], None]:
        """Subscribe to this port's events; returns an unsubscribe function."""
        ...


def check_digits(digits: str) -> str:
    """Return `digits` if it is a dialable string, else raise ValueError naming the bad character."""
    for char in digits:
        if char not in DIGITS:
            raise ValueError(f"{char!r} in {digits!r} is not a phone digit; accepted: {DIGITS}")
    return digits
