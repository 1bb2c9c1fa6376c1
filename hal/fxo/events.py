"""Events an FXO line reports (from its reader thread)."""

from __future__ import annotations

from dataclasses import dataclass

from hal.fxo.v253 import LineSignal
from hal.ports import CallerId


@dataclass(frozen=True)
class LineRinging:
    """The exchange rings the line; `rings` counts RING reports in this call."""

    line: str
    rings: int
    caller_id: CallerId | None


@dataclass(frozen=True)
class CallerIdReceived:
    line: str
    caller_id: CallerId


@dataclass(frozen=True)
class RingingStopped:
    """Rings stopped before we answered (the caller gave up)."""

    line: str


@dataclass(frozen=True)
class LineSignalled:
    """A tone or line condition the modem detected while off-hook."""

    line: str
    signal: LineSignal


@dataclass(frozen=True)
class DigitReceived:
    """A DTMF digit from the far end."""

    line: str
    digit: str


LineEvent = LineRinging | CallerIdReceived | RingingStopped | LineSignalled | DigitReceived
