"""Runs the routine the dialogue asked for, one at a time, each on its own thread.

The dialogue never blocks on a routine: it starts one here, passes on controls and answers,
and hears back through `post` (the assistant's inbox) in the order things happened. Each run
is logged in the journal by the routines' own JournalRecorder, the same as `voice-cecert run`.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from typing import Any

from voice_cecert.dialogue import (
    AnswerClosed,
    AnswerExpected,
    HostEvent,
    RoutineEnded,
    RoutineStarted,
)
from voice_cecert.routines import loader
from voice_cecert.routines.events import RunEvent
from voice_cecert.routines.journal_link import JournalRecorder
from voice_cecert.routines.runner import Runner, RunOptions
from voice_cecert.speech import Speaker
from voice_cecert.stream_clock import StreamClock

_ANSWER_STEPS = frozenset({"ask", "checkin", "record", "choose"})


class RoutineHost:
    def __init__(
        self,
        *,
        speaker: Speaker,
        clock: StreamClock,
        post: Callable[[HostEvent], None],
        journal: Any = None,
        load: Callable[[str], Any] = loader.load,
        ids: frozenset[str] | None = None,
    ) -> None:
        self.speaker = speaker
        self.clock = clock
        self.post = post
        self.journal = journal
        self._load = load
        self._ids = ids if ids is not None else loader.builtin_ids()
        self._runner: Runner | None = None
        self._thread: threading.Thread | None = None
        self._run = 0
        self._lock = threading.Lock()

    def available(self, routine_id: str) -> bool:
        return routine_id in self._ids

    def start(
        self,
        routine_id: str,
        seconds: int | None = None,
        given: dict[str, Any] | None = None,
        only_keys: frozenset[str] | None = None,
    ) -> int:
        """Start a routine; `given` holds answers said with the request (its ask-step keys);
        `only_keys` runs just the questions saving those answers (see RunOptions)."""
        self.stop()
        routine = self._load(routine_id)
        with self._lock:
            self._run += 1
            run = self._run
        options = RunOptions(
            length_seconds=float(seconds) if seconds else None,
            given=dict(given or {}),
            only_keys=only_keys,
        )
        runner = Runner(routine, self.speaker, self.clock, answers=self.journal, options=options)
        if self.journal is not None:
            runner.subscribe(JournalRecorder(self.journal))
        runner.subscribe(lambda event: self._on_event(run, event))
        thread = threading.Thread(
            target=self._run_one, args=(run, runner), name=f"routine-{routine_id}", daemon=True
        )
        self._runner, self._thread = runner, thread
        self.post(RoutineStarted(routine_id, run))
        thread.start()
        self.clock.adopt(thread)
        return run

    def control(self, name: str, slots: dict[str, Any]) -> None:
        runner = self._runner
        if runner is not None and self._alive():
            # a control this runner does not know changes nothing
            with contextlib.suppress(ValueError):
                runner.control(name, slots)

    def answer(self, value: Any) -> None:
        runner = self._runner
        if runner is not None and self._alive():
            runner.answer(value)

    def stop(self) -> None:
        """Stop the running routine and wait for its thread (it ends at once: every wait of
        the runner listens for stop)."""
        runner, thread = self._runner, self._thread
        self._runner = self._thread = None
        if runner is not None and thread is not None and thread.is_alive():
            runner.stop()
            thread.join(timeout=5.0)

    def _alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run_one(self, run: int, runner: Runner) -> None:
        try:
            result = runner.run()
        except Exception as exc:  # a broken routine must not take the assistant down
            print(f"voice-cecert: routine {runner.routine.id} failed: {exc}", file=sys.stderr)
            self.post(RoutineEnded(runner.routine.id, False, 0.0, run))
            return
        self.post(
            RoutineEnded(
                result.routine_id, result.completed, result.seconds, run, result.next_routine
            )
        )

    def _on_event(self, run: int, event: RunEvent) -> None:
        if event.kind == "asking":
            options = tuple(event.data.get("options", ()))
            self.post(AnswerExpected(event.text or "text", options, run))
        elif event.kind == "step-finished" and event.text in _ANSWER_STEPS:
            self.post(AnswerClosed(run))
