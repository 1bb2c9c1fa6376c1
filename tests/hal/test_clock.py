from __future__ import annotations

import threading

from hal.clock import ManualClock, SystemClock


def test_manual_clock_fires_due_timers_in_order_at_their_own_time() -> None:
    clock = ManualClock()
    fired: list[tuple[str, float]] = []
    clock.call_later(2.0, lambda: fired.append(("b", clock.now())))
    clock.call_later(1.0, lambda: fired.append(("a", clock.now())))
    cancelled = clock.call_later(1.5, lambda: fired.append(("x", clock.now())))
    cancelled.cancel()
    clock.advance(1.0)
    assert fired == [("a", 1.0)]
    clock.advance(5.0)
    assert fired == [("a", 1.0), ("b", 2.0)]
    assert clock.now() == 6.0 and clock.pending() == 0


def test_timers_scheduled_by_timers_fire_in_the_same_advance() -> None:
    clock = ManualClock()
    ticks: list[float] = []

    def tick() -> None:
        ticks.append(clock.now())
        if len(ticks) < 3:
            clock.call_later(0.5, tick)

    clock.call_later(0.5, tick)
    clock.advance(10)
    assert ticks == [0.5, 1.0, 1.5]


def test_a_failing_callback_does_not_stop_the_others() -> None:
    clock = ManualClock()
    fired: list[int] = []

    def boom() -> None:
        raise RuntimeError("bug")

    clock.call_later(1, boom)
    clock.call_later(1, lambda: fired.append(1))
    clock.advance(1)
    assert fired == [1]


def test_system_clock_runs_callbacks_on_its_thread() -> None:
    clock = SystemClock()
    done = threading.Event()
    threads: list[str] = []
    clock.call_later(0.01, lambda: (threads.append(threading.current_thread().name), done.set()))
    skipped = clock.call_later(0.0, lambda: threads.append("cancelled"))
    skipped.cancel()
    assert done.wait(10)
    assert threads == ["hal-clock"]
