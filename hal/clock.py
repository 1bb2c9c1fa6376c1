"""Time sources for hal devices.

Debounce, hold detection, LED patterns, relay pulses, ring cadences and reconnect
timers all need "call me back in N seconds". Devices take a `Clock` so tests can
swap the real one for `ManualClock` and step time explicitly instead of sleeping.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


class Timer:
    """A pending callback; `cancel()` is safe to call at any time, from any thread."""

    def __init__(self, deadline: float, callback: Callable[[], None]) -> None:
        self.deadline = deadline
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass(order=True)
class _Entry:
    deadline: float
    order: int
    timer: Timer = field(compare=False)


class Clock(ABC):
    """Monotonic time plus one-shot timers. Timer callbacks must be short."""

    @abstractmethod
    def now(self) -> float:
        """Seconds on a monotonic scale (only differences mean anything)."""

    @abstractmethod
    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run `callback` once, `delay` seconds from now, unless cancelled first."""


def _run(timer: Timer) -> None:
    # A failing callback must not kill the timer thread that every device shares.
    try:
        timer.callback()
    except Exception:
        log.exception("timer callback %r failed", timer.callback)


class SystemClock(Clock):
    """Real time; callbacks run on one shared daemon thread, in deadline order."""

    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def now(self) -> float:
        return time.monotonic()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(self.now() + max(0.0, delay), callback)
        with self._cond:
            heapq.heappush(self._heap, _Entry(timer.deadline, next(self._order), timer))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="hal-clock", daemon=True)
                self._thread.start()
            self._cond.notify()
        return timer

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                entry = self._heap[0]
                delay = entry.deadline - self.now()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
            if not entry.timer.cancelled:
                _run(entry.timer)


class ManualClock(Clock):
    """Time that moves only when a test calls `advance`; due callbacks run inside it."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._heap: list[_Entry] = []
        self._order = itertools.count()
        self._lock = threading.RLock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        with self._lock:
            timer = Timer(self._now + max(0.0, delay), callback)
            heapq.heappush(self._heap, _Entry(timer.deadline, next(self._order), timer))
            return timer

    def advance(self, seconds: float) -> None:
        """Move time forward, firing every timer that falls due, each at its own deadline."""
        with self._lock:
            target = self._now + seconds
        while True:
            with self._lock:
                if not self._heap or self._heap[0].deadline > target:
                    self._now = max(self._now, target)
                    return
                entry = heapq.heappop(self._heap)
                self._now = max(self._now, entry.deadline)
            # Run outside the lock: a callback may take a device lock that another
            # thread holds while it schedules a timer (that would deadlock).
            if not entry.timer.cancelled:
                _run(entry.timer)

    def pending(self) -> int:
        """How many live timers are waiting (lets tests check nothing was left running)."""
        with self._lock:
            return sum(1 for entry in self._heap if not entry.timer.cancelled)
