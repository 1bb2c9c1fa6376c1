from __future__ import annotations

import asyncio
import threading

from hal.listeners import Listeners, to_asyncio_queue


def test_a_failing_listener_does_not_stop_the_others() -> None:
    listeners: Listeners[int] = Listeners()
    got: list[int] = []

    def broken(event: int) -> None:
        raise RuntimeError("bug")

    listeners.add(broken)
    remove = listeners.add(got.append)
    listeners.emit(1)
    remove()
    listeners.emit(2)
    assert got == [1]


def test_events_from_a_driver_thread_reach_an_asyncio_queue() -> None:
    async def main() -> list[str]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        listeners: Listeners[str] = Listeners()
        listeners.add(to_asyncio_queue(asyncio.get_running_loop(), queue))
        threading.Thread(target=lambda: [listeners.emit(e) for e in ("ring", "off-hook")]).start()
        return [await asyncio.wait_for(queue.get(), 10), await asyncio.wait_for(queue.get(), 10)]

    assert asyncio.run(main()) == ["ring", "off-hook"]
