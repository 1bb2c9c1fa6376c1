"""Fan-out of events from driver threads to whoever subscribed.

Drivers call `emit` from their own reader threads; listeners must be quick and
thread-safe (a pjsua2 gateway typically puts the event on its own queue). A failing
listener is logged and skipped so one bad subscriber cannot stop a driver.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")


class Listeners(Generic[E]):
    def __init__(self) -> None:
        self._callbacks: list[Callable[[E], None]] = []
        self._lock = threading.Lock()

    def add(self, callback: Callable[[E], None]) -> Callable[[], None]:
        """Subscribe; returns a function that unsubscribes."""
        with self._lock:
            self._callbacks.append(callback)

        def remove() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return remove

    def emit(self, event: E) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(event)
            except Exception:
                log.exception("listener %r failed on %r", callback, event)


def to_asyncio_queue(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[E]) -> Callable[[E], None]:
    """A listener that hands events from any thread to an asyncio queue on `loop`."""

    def deliver(event: E) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, event)

    return deliver
