"""One spelling for templates, grammar phrases and transcripts."""

from __future__ import annotations

import pytest

from voice_cecert.intents.normalize import normalize, number_words


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (15, "fifteen"),
        (40, "forty"),
        (45, "forty five"),
        (120, "one hundred and twenty"),
        (300, "three hundred"),
    ],
)
def test_number_words(n, words):
    assert number_words(n) == words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Start a Breathing-Break!", "start a breathing break"),
        ("make it 3 minutes", "make it three minutes"),
        ("I’m  ruminating...", "i'm ruminating"),
        ("'quoted' words", "quoted words"),
        ("4 in, 6 out", "four in six out"),
        ("  ", ""),
        ("호흡 시작!", "호흡 시작"),
        ("snake_case", "snake case"),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected
