"""A clock several threads share, which can tell when they have all gone quiet.

The assistant has three kinds of threads: the loop that reads audio and runs the dialogue, the
routine runner pacing its steps, and the speech worker. When audio comes from a file, time must
be audio time: a 4-second breathing pause has to last exactly 4 seconds of the WAV, or "slower"
said 40 seconds into the recording lands in the wrong breath. `StreamClock(stream=True)` is that
clock: only `advance_to` (the audio loop, one block at a time) moves it, and after each move
`settle()` waits until every worker thread has done what that moment asked of it and is waiting
again. That makes a whole session replay identically, at full CPU speed.

With a live microphone (`stream=False`) time is the monotonic clock; `settle()` is still useful
to let a routine say its opening line before a typed session ends.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_LONG = 3600.0


@dataclass(frozen=True)
class _Waiter:
    deadline: float
    interrupt: threading.Event | None


class StreamClock:
    def __init__(
        self, stream: bool = True, start: float = 0.0, settle_timeout: float = 5.0
    ) -> None:
        self.stream = stream
        self.settle_timeout = settle_timeout
        self._origin = time.monotonic() - start
        self._now = start
        self._cond = threading.Condition()
        self._waiting: dict[int, _Waiter] = {}
        self._threads: dict[int, threading.Thread] = {}
        self._scheduled: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = 0

    # -- the Clock protocol -------------------------------------------------------------------
    def now(self) -> float:
        if self.stream:
            with self._cond:
                return self._now
        return time.monotonic() - self._origin

    def wait_until(self, deadline: float, interrupt: threading.Event | None = None) -> bool:
        tid = threading.get_ident()
        with self._cond:
            self._threads.setdefault(tid, threading.current_thread())
            self._waiting[tid] = _Waiter(deadline, interrupt)
            self._cond.notify_all()
        try:
            if self.stream:
                return self._wait_stream(deadline, interrupt)
            return self._wait_real(deadline, interrupt)
        finally:
            with self._cond:
                self._waiting.pop(tid, None)
                self._cond.notify_all()

    def _wait_stream(self, deadline: float, interrupt: threading.Event | None) -> bool:
        with self._cond:
            while True:
                if interrupt is not None and interrupt.is_set():
                    return False
                if self._now >= deadline:
                    return True
                # An interrupt is an Event, which cannot notify this condition: poll it.
                self._cond.wait(0.002 if interrupt is not None else None)

    def _wait_real(self, deadline: float, interrupt: threading.Event | None) -> bool:
        while True:
            remaining = deadline - self.now()
            if remaining <= 0:
                return True
            step = min(remaining, _LONG)
            if interrupt is not None:
                if interrupt.wait(step):
                    return False
            else:
                time.sleep(step)

    def wait_for(self, event: threading.Event) -> None:
        """Block until `event` is set, counting as quiet meanwhile (for worker threads)."""
        while not event.is_set():
            self.wait_until(self.now() + _LONG, event)

    # -- driving time (stream mode) -----------------------------------------------------------
    def call_at(self, when: float, fn: Callable[[], None]) -> None:
        """Run `fn` on the advancing thread when stream time reaches `when`."""
        with self._cond:
            self._seq += 1
            heapq.heappush(self._scheduled, (when, self._seq, fn))

    def advance_to(self, t: float) -> None:
        """Move stream time to `t`, firing due call_at callbacks in order, then settle."""
        while True:
            with self._cond:
                if self._scheduled and self._scheduled[0][0] <= t:
                    when, _, fn = heapq.heappop(self._scheduled)
                    self._now = max(self._now, when)
                    self._cond.notify_all()
                else:
                    fn = None
                    self._now = max(self._now, t)
                    self._cond.notify_all()
            self.settle()
            if fn is None:
                return
            fn()

    # -- quiescence ---------------------------------------------------------------------------
    def adopt(self, thread: threading.Thread) -> None:
        """Count a just-started worker thread as busy until it first waits."""
        if thread.ident is None:
            raise RuntimeError("adopt() a thread after starting it")
        with self._cond:
            self._threads.setdefault(thread.ident, thread)

    def settle(self, timeout: float | None = None) -> bool:
        """Wait until every known thread waits on this clock for a later moment, or has ended.
        True if they did within the time-out. A thread blocked on anything else counts as busy
        (it may be synthesising speech): worker threads wait for work with `wait_for`."""
        limit = time.monotonic() + (self.settle_timeout if timeout is None else timeout)
        with self._cond:
            while True:
                if not self._busy():
                    return True
                if time.monotonic() >= limit:
                    return False
                self._cond.wait(0.001)

    def _busy(self) -> list[int]:
        busy: list[int] = []
        for tid, thread in list(self._threads.items()):
            if not thread.is_alive():
                del self._threads[tid]
                continue
            waiter = self._waiting.get(tid)
            if waiter is not None:
                interrupted = waiter.interrupt is not None and waiter.interrupt.is_set()
                if interrupted or waiter.deadline <= self._now_unlocked():
                    busy.append(tid)
                continue
            busy.append(tid)  # running, or blocked on something other than this clock
        return busy

    def _now_unlocked(self) -> float:
        return self._now if self.stream else time.monotonic() - self._origin
