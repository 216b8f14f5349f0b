"""Lengths and numbers said inside looser sentences, and how the matcher uses them."""

from __future__ import annotations

import pytest

from voice_cecert.intents.loader import load_intents
from voice_cecert.intents.matcher import Matcher
from voice_cecert.intents.said_values import SaidValues

ROUTINE_STATE = [
    "stop", "pause", "resume", "repeat", "skip", "back", "slower", "faster", "longer",
    "shorter", "duration", "pattern", "help",
]  # fmt: skip
NUMBER_STATE = ["stop", "pause", "repeat", "help", "number", "duration"]


@pytest.fixture(scope="module")
def said() -> SaidValues:
    return SaidValues(load_intents())


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("only thirty seconds this time", 30),
        ("a minute and a half of breathing", 90),  # the longer span wins over "a minute"
        ("ten minutes of slow breathing", 600),
        ("we have about twenty minutes", 1200),
        ("nothing about time here", None),
        ("two minutes or maybe five minutes", None),  # two lengths: none is taken
    ],
)
def test_the_length_said_is_found_by_the_files_own_duration_sentences(said, text, seconds):
    assert said.seconds(text.split()) == seconds


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("honestly a ten", 10),
        ("it's about an eight right now", 8),
        ("zero", 0),
        ("two or three", None),  # two numbers: not an answer
        ("ten minutes", None),  # a length, not a number
        ("fifteen", None),  # not on the 0-10 scale
    ],
)
def test_one_number_on_the_scale_is_found(said, text, number):
    assert said.number(text.split()) == number


def test_routines_that_take_a_length_are_read_from_the_templates(said):
    assert {"breathing", "mindful-moment", "movement-break"} <= said.timed
    assert "teaming" not in said.timed and "review-plan" not in said.timed


def test_a_timed_routine_found_loosely_keeps_the_length_said(matcher):
    got = matcher.match("ride the wave with me for ninety seconds", ["routines"])
    assert got is not None and got.name == "ride-the-wave" and got.slots == {"seconds": 90}
    got = matcher.match("ten minutes of slow breathing", ["routines"])
    assert got is not None and got.name == "breathing" and got.slots == {"seconds": 600}
    got = matcher.match("i feel cut off from my team for ten minutes now", ["routines"])
    assert got is not None and got.name == "teaming" and got.slots == {}  # takes no length


def test_an_answer_wrapped_in_words_is_taken_only_while_one_is_expected(matcher):
    got = matcher.match("honestly a ten", NUMBER_STATE)
    assert got is not None and got.name == "number" and got.slots == {"number": 10}
    got = matcher.match("only thirty seconds this time", ROUTINE_STATE)
    assert got is not None and got.name == "duration" and got.slots == {"seconds": 30}
    # at idle a routine could start: a number in talk is not a rating
    assert matcher.match("my next appointment is at three", None) is None
    assert matcher.match("honestly a ten", ["routines"]) is None
    # a long sentence with a number in it is talk about something else
    long_talk = "the family said they would call back at around four this afternoon I think"
    assert matcher.match(long_talk, NUMBER_STATE) is None
