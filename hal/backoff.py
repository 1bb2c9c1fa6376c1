"""Retry delays for reconnecting to devices that went away."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Exponential delays: first, first*factor, ... capped at `maximum` seconds.

    The cap keeps a replugged device from waiting long; the growth keeps a device
    that is gone for good from filling the log and the CPU.
    """

    first: float = 0.2
    maximum: float = 5.0
    factor: float = 2.0

    def delays(self) -> BackoffSequence:
        return BackoffSequence(self)


class BackoffSequence:
    def __init__(self, backoff: Backoff) -> None:
        self._backoff = backoff
        self._next = backoff.first

    def next(self) -> float:
        delay = self._next
        self._next = min(self._backoff.maximum, self._next * self._backoff.factor)
        return delay

    def reset(self) -> None:
        self._next = self._backoff.first


DEFAULT_BACKOFF = Backoff()
