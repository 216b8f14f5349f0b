"""A run logged in the real SQLite journal: practice, check-ins, saved answers and texts."""

from __future__ import annotations

import pytest

from voice_cecert.journal import Journal
from voice_cecert.routines.journal_link import JournalRecorder

ROUTINE = """\
- checkin: before
- ask: Name two things.
  answer: list
  items: 2
  key: mindful_moments
  save: true
- ask: Not kept.
  answer: text
  key: scratch
- record: Tell the story.
  save_text: narrative
- checkin: after
"""


def test_run_is_logged_with_only_what_was_meant_to_be_saved(make_runner, clock):
    journal = Journal()
    runner, _ = make_runner(ROUTINE, answers=journal)
    runner.subscribe(JournalRecorder(journal))
    for at, value in (
        (102, 6),
        (110, "tea"),
        (115, "the window"),
        (125, "x"),
        (140, "It went."),
        (150, 3),
    ):
        clock.call_at(at, lambda v=value: runner.answer(v))
    runner.run()
    assert journal.answers() == {"mindful_moments": "tea\nthe window"}
    assert [(kind, text) for kind, text, _ in journal.texts()] == [("narrative", "It went.")]
    (practice,) = journal.practices()
    assert practice.routine_id == "t" and practice.completed
    assert (practice.intensity_before, practice.intensity_after) == (6, 3)
    assert practice.duration_s == pytest.approx(clock.now() - 100)


def test_stopped_run_is_logged_as_not_completed(make_runner, clock):
    journal = Journal()
    runner, _ = make_runner("- pause: 60\n")
    runner.subscribe(JournalRecorder(journal))
    clock.call_at(130, runner.stop)
    runner.run()
    (practice,) = journal.practices()
    assert not practice.completed
    assert practice.duration_s == pytest.approx(30)
