"""'learn my voice' and 'forget my voice': idle commands whose phrasings start nothing else,
and which nothing already said to the app (the development set) lands on."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from voice_cecert.dialogue import IDLE_COMMANDS, ROUTINE_CONTROLS
from voice_cecert.intents.loader import load_intents
from voice_cecert.intents.matcher import Matcher

VOICE = {"learn-voice", "forget-voice"}
BENCH = Path(__file__).resolve().parents[2] / "scripts" / "bench_intents.py"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher()


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_intents_voice", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def idle() -> frozenset[str]:
    names = frozenset(load_intents().names)
    routines = names - IDLE_COMMANDS - ROUTINE_CONTROLS - {"yes", "no", "number", "pattern"}
    return (IDLE_COMMANDS | routines) & names


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("learn my voice", "learn-voice"),
        ("Learn my voice.", "learn-voice"),
        ("teach you my voice", "learn-voice"),
        ("train on my voice", "learn-voice"),
        ("you keep mishearing me", "learn-voice"),
        ("adapt to my voice", "learn-voice"),
        ("get used to the way I talk", "learn-voice"),
        ("forget my voice", "forget-voice"),
        ("delete what you learned about my voice", "forget-voice"),
        # near misses of the phrasings, said loosely
        ("could you learn my voice please", "learn-voice"),
        ("um you keep mishearing me", "learn-voice"),
        # the neighbours keep theirs
        ("different voice", "voice"),
        ("I don't like your voice", "voice"),
        ("you're going too fast", "slower"),
    ],
)
def test_phrasings_at_idle(matcher, idle, text, name):
    got = matcher.match(text, idle)
    assert got is not None and got.name == name, (text, got)
    assert got.routine is None


def test_they_are_idle_commands_only(matcher):
    assert VOICE <= IDLE_COMMANDS
    assert not VOICE & ROUTINE_CONTROLS
    assert matcher.match("learn my voice", ROUTINE_CONTROLS) is None


def test_nothing_of_the_development_set_lands_on_them(bench):
    """Every command and out-of-domain sentence of the development set, typed, in every
    dialogue state: none is taken for learning or forgetting the voice."""
    matcher = Matcher()
    sets = bench.dialogue_sets()
    assert sets["idle"] >= VOICE
    texts = [text for text, _, _ in bench.load_commands(bench.COMMANDS)]
    texts += [text for text, _ in bench.load_ood(bench.OOD)]
    assert len(texts) > 400
    landed = [
        (text, state)
        for text in texts
        for state, allowed in sets.items()
        if (got := matcher.match(text, allowed)) is not None and got.name in VOICE
    ]
    assert landed == []


def test_every_word_is_in_the_recogniser_dictionary():
    from voice_cecert.asr.sphinx_engine import SphinxRecognizer
    from voice_cecert.intents.grammar import build_grammar

    phrases = build_grammar(sorted(VOICE), load_intents())
    assert "you keep mishearing me" in phrases
    assert SphinxRecognizer(verify=False).missing_words(phrases) == ()
