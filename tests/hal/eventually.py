"""Bounded waiting for things that happen on driver threads.

Tests never sleep a fixed time and then assert: they wait (up to a generous bound)
for the condition, so they pass on a slow, shared machine and fail fast enough
when something is really broken.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

BOUND = 10.0


def eventually(condition: Callable[[], object], timeout: float = BOUND, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.005)


class EventLog:
    """A listener that records events and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._cond = threading.Condition()

    def __call__(self, event: Any) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, match: Callable[[Any], bool] | type, timeout: float = BOUND) -> Any:
        """The first recorded event matching (a type or a predicate); waits if none yet."""
        test: Callable[[Any], bool] = (lambda e: isinstance(e, match)) if isinstance(match, type) else match
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events:
                    if test(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching event within {timeout} s; got {self.events}")
                self._cond.wait(left)

    def of_type(self, kind: type) -> list[Any]:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def clear(self) -> None:
        with self._cond:
            self.events.clear()
