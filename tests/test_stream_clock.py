"""The shared clock: audio time drives worker threads deterministically."""

from __future__ import annotations

import queue
import threading

from voice_cecert.stream_clock import StreamClock


def _start(clock: StreamClock, fn) -> threading.Thread:
    thread = threading.Thread(target=fn, daemon=True)
    thread.start()
    clock.adopt(thread)
    return thread


def test_a_pause_lasts_exactly_its_audio_time():
    clock = StreamClock()
    seen: list[float] = []

    def worker():
        for _ in range(3):
            clock.wait_until(clock.now() + 4.0)
            seen.append(clock.now())

    _start(clock, worker)
    clock.settle()
    t = 0.0
    while t < 13.0:
        t = round(t + 0.032, 3)
        clock.advance_to(t)
        # settled after each block: the worker has acted on every deadline already passed
        assert len(seen) == min(3, int(t / 4.0 + 1e-9))
    assert seen == [4.0, 8.0, 12.0]


def test_interrupt_wakes_the_waiter_at_that_moment():
    clock = StreamClock()
    stop = threading.Event()
    result: list[tuple[bool, float]] = []

    def worker():
        result.append((clock.wait_until(10.0, stop), clock.now()))

    thread = _start(clock, worker)
    clock.advance_to(2.5)
    stop.set()
    clock.settle()
    thread.join(1)
    assert result == [(False, 2.5)]


def test_call_at_runs_at_its_time_and_workers_see_it():
    clock = StreamClock()
    fired: list[float] = []
    clock.call_at(1.25, lambda: fired.append(clock.now()))
    clock.advance_to(1.0)
    assert fired == []
    clock.advance_to(2.0)
    assert fired == [1.25] and clock.now() == 2.0


def test_a_thread_waiting_for_work_through_the_clock_counts_as_quiet():
    clock = StreamClock(settle_timeout=2.0)
    work = threading.Event()
    _start(clock, lambda: clock.wait_for(work))
    assert clock.settle()
    work.set()
    assert clock.settle()  # and once it has finished


def test_a_thread_blocked_elsewhere_counts_as_busy():
    clock = StreamClock(settle_timeout=0.2)
    inbox: queue.Queue[int] = queue.Queue()
    _start(clock, inbox.get)
    assert not clock.settle()
    inbox.put(1)
    assert clock.settle()


def test_a_busy_thread_is_waited_for():
    clock = StreamClock(settle_timeout=0.2)
    release = threading.Event()

    def spin():
        while not release.is_set():
            pass

    _start(clock, spin)
    assert not clock.settle()
    release.set()
    assert clock.settle()


def test_real_time_mode_waits_on_the_monotonic_clock():
    clock = StreamClock(stream=False)
    start = clock.now()
    assert clock.wait_until(start + 0.05)
    assert clock.now() - start >= 0.05
    stop = threading.Event()
    stop.set()
    assert clock.wait_until(clock.now() + 10, stop) is False
