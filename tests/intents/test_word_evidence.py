"""Loose sentences under the fuzzy threshold, taken when their telling words agree."""

from __future__ import annotations

import pytest

from voice_cecert.intents import matcher as matcher_module
from voice_cecert.intents.matcher import Matcher
from voice_cecert.intents.word_evidence import WordEvidence, stem

SENTENCES = [
    ("breathing", "start a breathing break"),
    ("breathing", "help me breathe"),
    ("movement-break", "start a movement break"),
    ("movement-break", "help me move"),
    ("sleep", "stop listening"),
]


def test_stems_meet_across_word_forms():
    assert stem("breathing") == stem("breathe") == stem("breaths")
    assert stem("i'm") == stem("im")


def test_a_word_of_one_intent_outweighs_a_word_of_many():
    ranked = WordEvidence(SENTENCES).rank(["breathe", "with", "me"], ["breathing", "sleep"])
    assert ranked[0].name == "breathing"
    assert ranked[0].weight > 0 and ranked[1].weight == 0


def test_unknown_words_lower_the_share():
    evidence = WordEvidence(SENTENCES)
    plain = evidence.rank(["breathing"], ["breathing"])[0]
    chatter = evidence.rank(["breathing", "coffee", "traffic"], ["breathing"])[0]
    assert plain.weight == chatter.weight
    assert plain.share == 1.0 and chatter.share < 0.5


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher()


# Loose phrasings that scored 55-69 against the nearest template (under the threshold of 70)
# and were "not understood" before (the first three are from the loose development set,
# scripts/bench_data/commands_loose.yaml).
LOOSE = [
    ("mute yourself until I call you", "sleep"),
    ("I'm stuck in a loop about that intake", "name-the-rumination"),
    ("my back is stiff from sitting let's get moving", "movement-break"),
    ("I feel like killing myself", "crisis"),
]


@pytest.mark.parametrize(("text", "want"), LOOSE)
def test_loose_phrasings_are_understood(matcher, text, want):
    got = matcher.match(text)
    assert got is not None and got.name == want, (text, got)
    assert not got.exact


@pytest.mark.parametrize(("text", "want"), LOOSE)
def test_they_need_the_word_evidence(monkeypatch, matcher, text, want):
    monkeypatch.setattr(matcher_module, "NEAR_THRESHOLD", 101.0)
    assert matcher.match(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "the coffee here is really strong",
        "the toddler fell asleep in the waiting room",
        "the interpreter is stuck in traffic",
        "my client's breathing was fast today",
    ],
)
def test_office_talk_with_one_domain_word_is_still_rejected(matcher, text):
    assert matcher.match(text) is None


def test_a_gated_intent_needs_its_word_even_when_near(matcher):
    # near the crisis phrases in shape, but no crisis word: not a crisis answer
    got = matcher.match("I feel like giving up on this paperwork")
    assert got is None or got.name != "crisis"
