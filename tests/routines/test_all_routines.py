"""Every catalog routine runs end to end in text mode on a fake clock, answered or not."""

from __future__ import annotations

import io

import pytest

from voice_cecert.clock import FakeClock
from voice_cecert.routines import loader
from voice_cecert.routines.plan import plan
from voice_cecert.routines.runner import Runner
from voice_cecert.speech import TextSpeaker

ANSWERS = {
    "yes-no": True,
    "number": 5,
    "checkin": 3,
    "list": "a short walk, tea with a colleague, filing one note",
    "text": "I felt tense and then it eased",
    "record": "I prepared for this work and I know why I do it.",
    "choose": None,
}


def test_catalog_has_a_file_for_every_id():
    assert loader.catalog_ids() <= loader.builtin_ids()


@pytest.mark.parametrize("routine_id", sorted(loader.builtin_ids()))
def test_silent_run_completes_on_planned_time(routine_id):
    routine = loader.load(routine_id)
    clock = FakeClock()
    out = io.StringIO()
    runner = Runner(routine, TextSpeaker(out), clock)
    result = runner.run()  # nobody answers: every question waits its full time
    assert result.completed
    # Printing takes no fake time, so the run lasts exactly the planned quiet time.
    expected = plan(routine, lambda text, cue: 0.0)
    assert clock.now() == pytest.approx(expected.seconds, abs=1e-6)
    printed = [line for line in out.getvalue().splitlines() if line]
    assert printed == [line.strip() for line in expected.lines]
    assert all("{{" not in line and "}}" not in line for line in printed)


@pytest.mark.parametrize("routine_id", sorted(loader.builtin_ids()))
def test_answered_run_completes_and_reports_answers(routine_id):
    routine = loader.load(routine_id)
    clock = FakeClock()
    out = io.StringIO()
    runner = Runner(routine, TextSpeaker(out), clock)
    events = []
    runner.subscribe(events.append)
    runner.subscribe(lambda e: runner.answer(ANSWERS.get(e.text)) if e.kind == "asking" else None)
    result = runner.run()
    assert result.completed
    assert "{{" not in out.getvalue()
    for event in events:
        if event.kind == "answered" and event.data["kind"] == "yes-no":
            assert event.value is True
    for moment in result.checkins:
        assert result.checkins[moment] == 3
