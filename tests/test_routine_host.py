"""Routines on their own thread, reporting to the dialogue in order (real runner and journal)."""

from __future__ import annotations

import io
import queue

from voice_cecert.dialogue import AnswerClosed, AnswerExpected, RoutineEnded, RoutineStarted
from voice_cecert.journal import Journal
from voice_cecert.routine_host import RoutineHost
from voice_cecert.speech import TextSpeaker
from voice_cecert.speech_queue import RunnerVoice, SpeechQueue
from voice_cecert.stream_clock import StreamClock


def _setup():
    clock = StreamClock()
    out = io.StringIO()
    speech = SpeechQueue(TextSpeaker(out), clock)
    events: queue.Queue = queue.Queue()
    journal = Journal()
    host = RoutineHost(speaker=RunnerVoice(speech), clock=clock, post=events.put, journal=journal)
    return clock, out, events, journal, host


def _drain(events: queue.Queue) -> list:
    items = []
    while not events.empty():
        items.append(events.get_nowait())
    return items


def _advance(clock: StreamClock, seconds: float) -> None:
    t = clock.now()
    end = t + seconds
    while t < end:
        t = round(t + 0.03, 3)
        clock.advance_to(t)


def test_a_routine_runs_on_audio_time_asks_and_ends_logged():
    clock, out, events, journal, host = _setup()
    run = host.start("breathing", 60)
    clock.settle()
    assert _drain(events) == [RoutineStarted("breathing", run)]
    assert out.getvalue().splitlines()[:2] == ["Breathe with me.", "Breathe in"]
    asked: list = []
    while not asked and clock.now() < 120:  # about a minute of breathing, then a check-in
        _advance(clock, 0.5)
        asked = _drain(events)
    assert asked == [AnswerExpected("checkin", (), run)]
    assert 40 < clock.now() < 75
    host.answer(4)
    _advance(clock, 10.0)
    tail = _drain(events)
    assert AnswerClosed(run) in tail, (asked, tail, out.getvalue())
    ended = tail[-1]
    assert isinstance(ended, RoutineEnded) and ended.completed and ended.run == run
    practice = journal.practices()[0]
    assert (practice.routine_id, practice.completed, practice.intensity_after) == (
        "breathing",
        True,
        4,
    )


def test_stop_ends_the_thread_at_once_and_a_new_start_gets_a_new_run():
    clock, _out, events, journal, host = _setup()
    first = host.start("breathing")
    _advance(clock, 3.0)
    second = host.start("mindful-moment")  # stops the first
    clock.settle()
    items = _drain(events)
    ended = [e for e in items if isinstance(e, RoutineEnded)]
    assert ended and ended[0].run == first and not ended[0].completed
    assert second != first and RoutineStarted("mindful-moment", second) in items
    host.stop()
    assert not host._alive()
    assert [p.completed for p in journal.practices()] == [False, False]


def test_unknown_routines_are_not_available():
    *_, host = _setup()
    assert host.available("breathing") and not host.available("no-such-routine")
