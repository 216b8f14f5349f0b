"""Routine files load into checked values, and every broken file is reported with its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from voice_cecert.errors import UserError
from voice_cecert.routines import loader
from voice_cecert.routines.model import Ask, Breathe, CheckIn, Choose, Pause, Say

GOOD = """\
id: sample
element: recovery
title: Sample
summary: A sample routine.
length: 1m30s
steps:
  - say: Hello.
  - pause: 2m
    cue: Halfway.
  - breathe: 4-7-8
    cycles: 4
    cues: tones
  - ask: Ready?
    answer: yes-no
    if_yes:
      - say: Good.
  - checkin: after
  - choose: [breathing, feelings-check-in]
"""


def write(tmp_path: Path, text: str, name: str = "sample") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_for(tmp_path: Path, text: str) -> list[str]:
    _, problems = loader.validate_path(write(tmp_path, text))
    return [str(p) for p in problems]


def test_good_file_builds_every_step_kind_with_defaults(tmp_path):
    routine = loader.load_file(write(tmp_path, GOOD))
    assert routine.length == 90
    say, pause, breathe, ask, checkin, choose = routine.steps
    assert say == Say("Hello.", line=7)
    assert isinstance(pause, Pause) and pause.seconds == 120 and pause.cue == "Halfway."
    assert isinstance(breathe, Breathe) and breathe.pattern.spec() == "4-7-8"
    assert breathe.cycles == 4 and breathe.cues == "tones"
    assert isinstance(ask, Ask) and ask.wait == 10 and ask.branch("yes") == (Say("Good.", line=16),)
    assert isinstance(checkin, CheckIn) and checkin.moment == "after" and checkin.wait == 8
    assert isinstance(choose, Choose) and choose.options == ("breathing", "feelings-check-in")


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        ("  - say: Hello.", "  - shout: Hello.", 7, "needs exactly one step kind"),
        ("  - pause: 2m", "  - pause: soon", 8, "'soon' is not a duration"),
        ("  - pause: 2m", "  - pause: 0", 8, "outside 1-3600 seconds"),
        ("    cues: tones", "    cues: loud", 12, "'loud' is not one of spoken, tones, silent"),
        ("    cycles: 4", "    cycle: 4", 11, "unknown field 'cycle'"),
        ("    answer: yes-no", "    answer: maybe", 14, "'maybe' is not one of"),
        ("  - breathe: 4-7-8", "  - breathe: wavy", 10, "not a preset name"),
        ("  - checkin: after", "  - checkin: during", 17, "'during' is not one of before, after"),
        (
            "  - choose: [breathing, feelings-check-in]",
            "  - choose: [breathin, aces]",
            18,
            "did you mean 'breathing'",
        ),
        ("title: Sample\n", "", 1, "'title' is missing"),
        ("  - say: Hello.", "  - say: Hello {{ partner }}.", 7, "needs a spoken fallback"),
        ("  - say: Hello.", "  - say: \"{{ partnr | default('x') }}\"", 7, "unknown placeholder"),
        ("    if_yes:", "    if_answered:", 15, "'if_answered' does not apply to answer 'yes-no'"),
        ("  - say: Good.", "  - say: Good.\n        cue: x", 17, "unknown field 'cue'"),
        ("id: sample", "id: other", 1, "must match the file name"),
        ("  - say: Hello.", "  - say: Yes", 7, "put the value in quotes"),
        ("length: 1m30s", "length: 1m30s\nlength: 2m", 6, "duplicate key 'length'"),
        # PyYAML notices an unclosed bracket on the next line.
        ("  - say: Hello.", "  - say: [Hello", 8, "not valid YAML"),
    ],
)
def test_broken_file_names_file_line_and_field(tmp_path, old, new, line, fragment):
    assert old in GOOD
    found = problems_for(tmp_path, GOOD.replace(old, new))
    assert found, "expected a problem"
    first = found[0]
    assert first.startswith(f"{tmp_path / 'sample.yaml'}:{line}: "), first
    assert fragment in first


def test_all_problems_are_reported_at_once(tmp_path):
    text = GOOD.replace("cues: tones", "cues: loud").replace("pause: 2m", "pause: soon")
    assert len(problems_for(tmp_path, text)) == 2


def test_load_raises_user_error_with_first_problem(tmp_path):
    path = write(tmp_path, GOOD.replace("cues: tones", "cues: loud"))
    with pytest.raises(UserError, match=r"sample.yaml:12: .*cues"):
        loader.load_file(path)


def test_unknown_builtin_id_suggests_closest():
    with pytest.raises(UserError, match="did you mean 'breathing'"):
        loader.load("breathng")


@pytest.mark.parametrize("routine_id", sorted(loader.builtin_ids()))
def test_every_builtin_routine_is_valid(routine_id):
    _, problems = loader.validate_path(loader.DATA_DIR / f"{routine_id}.yaml")
    assert [str(p) for p in problems] == []


def test_empty_breathe_uses_default_pattern(tmp_path):
    text = GOOD.replace("  - breathe: 4-7-8\n    cycles: 4\n", "  - breathe:\n    cycles: 4\n")
    routine = loader.load_file(write(tmp_path, text))
    assert routine.steps[2].pattern.name == "coherent"


@pytest.mark.parametrize("routine_id", sorted(loader.builtin_ids()))
def test_every_routine_shows_as_numbered_text(routine_id):
    from voice_cecert.routines.script_text import script_lines

    routine = loader.load(routine_id)
    lines = script_lines(routine)
    assert lines[0] == f"{routine.title} ({routine.id})"
    numbered = [ln for ln in lines if ln[:1].isdigit() and "." in ln.split(" ")[0]]
    assert len(numbered) == len(routine.steps)
