"""Breathing patterns: presets from data, spelled patterns, and the user's saved ones."""

from __future__ import annotations

import pytest

from voice_cecert import paths
from voice_cecert.errors import UserError
from voice_cecert.routines import patterns
from voice_cecert.routines.durations import DurationError, parse_duration


def test_presets_are_the_documented_ones():
    specs = {name: p.spec() for name, p in patterns.presets().items()}
    assert specs == {
        "box": "4-4-4-4",
        "4-7-8": "4-7-8",
        "coherent": "5.5-5.5",
        "extended-exhale": "4-6",
    }


@pytest.mark.parametrize(
    ("spec", "phases"),
    [
        ("4-6", (4, 0, 6, 0)),
        ("4-7-8", (4, 7, 8, 0)),
        ("4-4-4-4", (4, 4, 4, 4)),
        ("5.5-5.5", (5.5, 0, 5.5, 0)),
    ],
)
def test_spelled_patterns(spec, phases):
    p = patterns.parse_spec(spec)
    assert (p.inhale, p.hold_in, p.exhale, p.hold_out) == phases
    assert p.spec() == spec


@pytest.mark.parametrize("spec", ["4", "4-x", "0-6", "4-6-30", "4--6", "25-5"])
def test_bad_patterns_are_rejected(spec):
    with pytest.raises(ValueError):
        patterns.parse_spec(spec)


def test_spoken_pattern_four_in_six_out():
    p = patterns.from_phases(4, 6)
    assert (p.inhale, p.exhale, p.spec()) == (4, 6, "4-6")


def test_saved_pattern_round_trip_private_file():
    book = patterns.PatternBook()
    book.save("Evening", patterns.parse_spec("4-2-6"))
    again = patterns.PatternBook()
    assert again.get("evening").spec() == "4-2-6"
    assert book.path.parent == paths.data_dir()
    assert book.path.stat().st_mode & 0o777 == 0o600
    assert list(book.path.parent.glob("*.tmp")) == []


def test_cannot_overwrite_preset_or_save_unsafe_pattern():
    book = patterns.PatternBook()
    with pytest.raises(UserError, match="built-in preset"):
        book.save("box", patterns.parse_spec("4-6"))
    with pytest.raises(UserError, match="unknown breathing pattern 'wavy'"):
        book.get("wavy")


def test_corrupt_saved_file_is_one_clear_error():
    book = patterns.PatternBook()
    book.path.write_text("{not json")
    with pytest.raises(UserError, match="cannot read saved breathing patterns"):
        book.get("evening")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (90, 90),
        ("90s", 90),
        ("2m", 120),
        ("1m30s", 90),
        ("1.5 minutes", 90),
        ("2 min", 120),
        (5.5, 5.5),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "", "m", True, None, "-5", "2 hours"])
def test_bad_durations(text):
    with pytest.raises(DurationError):
        parse_duration(text)
