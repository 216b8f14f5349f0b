"""Monotonic clocks: the real one, and a fake one that tests (and WAV rendering) advance.

Pacing is computed as absolute deadlines on a Clock, so a breathing run never drifts: every
cue is scheduled at start + planned offset, whatever time speaking or waking up took.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale."""

    def wait_until(self, deadline: float, interrupt: threading.Event | None = None) -> bool:
        """Block until `deadline` or until `interrupt` is set; True if the deadline was reached."""


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    def wait_until(self, deadline: float, interrupt: threading.Event | None = None) -> bool:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            if interrupt is not None:
                if interrupt.wait(remaining):
                    return False
            else:
                time.sleep(remaining)


class FakeClock:
    """Time moves only when someone waits (or calls `advance`): tests run instantly and exactly.

    `call_at(t, fn)` schedules fn to run when fake time reaches t during a wait; if fn sets the
    waiter's interrupt event, the wait returns False at time t. That is how tests say "slower"
    40.5 seconds into a breathing run. An interrupt already set when waiting wins at once.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.RLock()
        self._scheduled: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = 0

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        self.wait_until(self.now() + seconds)

    def call_at(self, when: float, fn: Callable[[], None]) -> None:
        with self._lock:
            self._seq += 1
            heapq.heappush(self._scheduled, (when, self._seq, fn))

    def wait_until(self, deadline: float, interrupt: threading.Event | None = None) -> bool:
        while True:
            if interrupt is not None and interrupt.is_set():
                return False
            with self._lock:
                if self._scheduled and self._scheduled[0][0] <= deadline:
                    when, _, fn = heapq.heappop(self._scheduled)
                    self._now = max(self._now, when)
                else:
                    self._now = max(self._now, deadline)
                    fn = None
            if fn is None:
                return not (interrupt is not None and interrupt.is_set())
            fn()
