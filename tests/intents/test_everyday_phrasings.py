"""The intent templates against everyday speech (issue 3): needs and states said plainly,
short bare phrases, fillers; crisis disclosures said indirectly; and everyday sentences that
sit close to a crisis phrase, which must not interrupt practice.

Written from the catalog, not from the benchmark sets, so these sentences are a check on how
far the templates reach, not a copy of what was tuned.
"""

from __future__ import annotations

import pytest

from voice_cecert.dialogue import ANSWER_INTENTS, IDLE_COMMANDS, ROUTINE_CONTROLS
from voice_cecert.intents.grammar import build_grammar
from voice_cecert.intents.loader import load_intents
from voice_cecert.intents.matcher import Matcher


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # states and needs, as said between clients
        ("I'm wiped out", "strategic-vacation"),
        ("I have nothing left to give", "strategic-vacation"),
        ("my shoulders are up around my ears", "breathing"),
        ("my heart is racing", "breathing"),
        ("that session is stuck in my head", "name-the-rumination"),
        ("I can't get that client out of my head", "name-the-rumination"),
        ("my mind is racing", "name-the-rumination"),
        ("I'm about to lose it", "ride-the-wave"),
        ("I feel numb", "feelings-check-in"),
        ("I'm dreading my next session", "antecedent-narrative"),
        ("that session really got to me", "consolidation-narrative"),
        ("I need to vent", "reach-out"),
        ("I can't concentrate", "task-positive"),
        ("I keep going back and forth", "wholehearted"),
        ("nothing I do is working", "skill-challenge"),
        ("I'm losing my patience with this family", "compassion"),
        ("my back is stiff", "movement-break"),
        ("I want to bring this case to supervision", "supervision-prep"),
        ("I'm doing this alone", "teaming"),
        ("did I do what I said I would", "accountability-check"),
        ("I'm heading home", "commute-rehearsal"),
        ("someone asked what I do", "what-i-do"),
        ("what story am I telling myself", "concurrent-narrative"),
        ("I don't know where to start", "aces"),
        ("I've got five minutes before my next client", "between-clients"),
        # bare phrases and fillers
        ("grounding", "mindful-moment"),
        ("um could we maybe do some grounding", "mindful-moment"),
        ("box breathing", "breathing"),
        ("uh can you say that again", "repeat"),
        ("hang on a minute", "pause"),
        ("you're going too fast", "slower"),
        ("that's enough for now", "stop"),
        ("my client just walked in", "sleep"),
        ("did I hit my goal today", "progress"),
        ("no I'm good", "no"),
        ("I'd give it a six", "number"),
    ],
)
def test_everyday_phrasings(matcher, text, name):
    got = matcher.match(text)
    assert got is not None and got.name == name, (text, got)


@pytest.mark.parametrize(
    "text",
    [
        "I want to die",
        "I don't want to be alive anymore",
        "I've been thinking about killing myself",
        "everyone would be better off without me",
        "I don't feel safe with myself",
        "I'm scared of what I might do",
        "life isn't worth living",
        "I have no reason to live",
        "I wish I could go to sleep and not wake up",
        "I've been hurting myself",
        "I can't go on like this",
        "my client has a weapon",
    ],
)
def test_indirect_crisis_disclosures_are_heard_mid_routine(matcher, text):
    got = matcher.match(text, allowed=["controls", "answers"])
    assert got is not None and got.name == "crisis", (text, got)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # these once sat on a crisis phrase: the recogniser heard "i am going to disappear"
        # and "there's no point in living" in the first two
        ("I am going to the grocery store after work", None),
        ("there is cake in the break room", None),
        ("what's the point of this meeting", None),
        ("I'm going to the dentist", None),
        ("I want to go to the store", None),
        ("I don't want to wake up early tomorrow", None),
        # said mid-routine, meaning the routine
        ("I'm going to end it here", "stop"),
        ("let's stop here", "stop"),
    ],
)
def test_everyday_talk_near_a_crisis_phrase_is_not_crisis(matcher, text, name):
    got = matcher.match(text)
    assert (None if got is None else got.name) == name, (text, got)


def test_idle_grammar_keeps_its_size():
    """Every phrase added to a state's grammar lowers the other phrases' fit to the phone
    loop a little (2,100 new idle phrases took about 0.4 off the median command and 4 of 179
    espeak-ng commands on the development set), and espeak-ng commands sit near the cut. The
    cause is in the search, not the phrase prior, so trimming unused expansions does not win
    it back: growth has to be measured on audio, and this keeps it from creeping in unseen."""
    intents = load_intents()
    names = set(intents.names)
    routines = names - IDLE_COMMANDS - ROUTINE_CONTROLS - {"yes", "no", "number", "pattern", "wake"}
    idle = build_grammar([*IDLE_COMMANDS, *routines], intents)
    running = build_grammar(sorted(ROUTINE_CONTROLS | ANSWER_INTENTS["number"]), intents)
    assert len(idle) <= 8_000
    assert len(running) <= 3_000
