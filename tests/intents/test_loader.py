"""Loading intents files: the built-in one is complete, a bad one fails in one clear line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voice_cecert.errors import UserError
from voice_cecert.intents.loader import DEFAULT_INTENTS, load_intents
from voice_cecert.intents.types import ANSWERS, CONTROLS, ELEMENTS

CATALOG = Path("/work/shared/design/CATALOG.md")
ROUTINE_IDS = [
    "feelings-check-in",
    "ride-the-wave",
    "name-the-rumination",
    "task-positive",
    "reach-out",
    "aces",
    "what-i-do",
    "antecedent-narrative",
    "concurrent-narrative",
    "consolidation-narrative",
    "commute-rehearsal",
    "compassion",
    "wholehearted",
    "skill-challenge",
    "breathing",
    "mindful-moment",
    "between-clients",
    "movement-break",
    "supervision-prep",
    "teaming",
    "strategic-vacation",
    "accountability-check",
]


def test_builtin_file_has_every_contract_intent():
    intents = load_intents()
    expected = {*ROUTINE_IDS, "practice-plan", "review-plan", "element", "change-plan", "crisis"}
    expected |= {*CONTROLS, *ANSWERS}
    assert expected <= set(intents.names)
    assert intents.routines == {*ROUTINE_IDS, "practice-plan", "review-plan"}
    assert intents.always == {"crisis"}
    assert intents.filler_for == {*intents.routines, "wake"}


@pytest.mark.skipif(not CATALOG.exists(), reason="design notes not present")
def test_routine_ids_match_the_catalog():
    ids = set(re.findall(r"^\| `([a-z-]+)` \|", CATALOG.read_text(), flags=re.M))
    assert len(ids) == 22
    assert ids == set(ROUTINE_IDS)


def test_every_intent_has_many_sentences_and_the_set_stays_small():
    intents = load_intents()
    per_intent: dict[str, int] = {}
    for name, _ in intents.sentences:
        per_intent[name] = per_intent.get(name, 0) + 1
    assert all(per_intent[name] >= 5 for name in intents.names), per_intent
    # recogniser grammars must stay small enough to compile fast; loose talk is not in them
    assert len([key for key in intents.sentences if key not in intents.loose]) < 10_000
    assert 0 < len(intents.loose) < 3_000


def test_no_sentence_belongs_to_two_intents():
    """Two intents sharing a sentence would leave the exact match to chance; widening one
    intent's templates easily lands on another's ("what can i do now": help or task?)."""
    owners: dict[str, set[str]] = {}
    for name, text in load_intents().sentences:
        owners.setdefault(text, set()).add(name)
    assert {t: n for t, n in owners.items() if len(n) > 1} == {}


def test_groups_resolve_and_always_is_added():
    intents = load_intents()
    assert intents.resolve(["answers"]) == {*ANSWERS, "crisis"}
    assert intents.resolve(["stop", "routines"]) == {"stop", "crisis", *intents.routines}
    assert intents.resolve(None) == set(intents.names)
    with pytest.raises(ValueError, match="unknown intent or group 'nonsense'"):
        intents.resolve(["nonsense"])


def test_element_values_are_the_contract_ids():
    from hassil.intents import TextSlotList

    element = load_intents().hassil.slot_lists["element"]
    assert isinstance(element, TextSlotList)
    assert {v.value_out for v in element.values} == set(ELEMENTS)


def test_loading_is_cached_by_content(tmp_path):
    copy = tmp_path / "copy.yaml"
    copy.write_bytes(DEFAULT_INTENTS.read_bytes())
    assert load_intents(copy) is load_intents(copy)


SMALL = """
language: en
groups:
  lights: [lights-on, lights-off]
intents:
  lights-on:
    data:
      - sentences: ["(switch|turn) on [the] light[s]", "lights on"]
  lights-off:
    data:
      - sentences: ["(switch|turn) off [the] light[s]"]
"""


def test_a_custom_domain_loads(tmp_path):
    path = tmp_path / "lights.yaml"
    path.write_text(SMALL)
    intents = load_intents(path)
    assert intents.names == ("lights-on", "lights-off")
    assert ("lights-on", "turn on the lights") in intents.sentences
    assert intents.routines == frozenset()
    assert intents.filler == ()
    assert intents.filler_for == {"lights-on", "lights-off"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("intents: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("language: en\n", "no 'intents' mapping"),
        ("intents:\n  on:\n    data:\n      - sentences: [go]\n", "quote it"),
        ("intents:\n  go: {}\n", "intent 'go' needs a 'data' list"),
        ("intents:\n  go:\n    data:\n      - slots: {}\n", "needs a 'sentences' list"),
        (
            "intents:\n  go:\n    data:\n      - metadata: 5\n        sentences: [go]\n",
            "'metadata' must be a mapping",
        ),
        (
            "intents:\n  go:\n    data:\n"
            "      - metadata: {loose: maybe}\n        sentences: [go]\n",
            "'loose' in 'metadata' must be true or false",
        ),
        ("intents:\n  go:\n    data:\n      - sentences: ['(go|run']\n", "go"),
        ("intents:\n  go:\n    data:\n      - sentences: ['go {where}']\n", "where"),
        ("intents:\n  go:\n    data:\n      - sentences: ['go <fast>']\n", "fast"),
        (
            "groups:\n  g: [come]\nintents:\n  go:\n    data:\n      - sentences: [go]\n",
            "unknown intent 'come'",
        ),
        (
            "always: go\nintents:\n  go:\n    data:\n      - sentences: [go]\n",
            "'always' must be a list",
        ),
        (
            "intents:\n  go:\n    data:\n      - sentences: ['" + "[a|b|c] " * 12 + "go']\n",
            "more than",
        ),
        (
            "fuzzy_needs:\n  come: [x]\nintents:\n  go:\n    data:\n      - sentences: [go]\n",
            "'fuzzy_needs' names unknown intent 'come'",
        ),
        (
            "fuzzy_needs:\n  go: x\nintents:\n  go:\n    data:\n      - sentences: [go]\n",
            "must be a list of words",
        ),
        (
            "fuzzy_needs:\n  go: [off]\nintents:\n  go:\n    data:\n      - sentences: [go]\n",
            "quote on/off/yes/no",
        ),
    ],
)
def test_bad_file_is_one_line_naming_file_and_problem(tmp_path, text, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(UserError) as info:
        load_intents(path)
    message = str(info.value)
    assert str(path) in message
    assert problem in message
    assert "\n" not in message


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="intents file not found"):
        load_intents(tmp_path / "none.yaml")


def test_loose_blocks_feed_the_matcher_but_not_the_grammar(tmp_path):
    """A data block marked `metadata: {loose: true}` is loose talk: the matcher (and the
    recogniser's second pass, through Grammar.loose) knows it, the grammar's phrases do not.
    A sentence a plain block also gives stays a grammar phrase."""
    from voice_cecert.intents.grammar import build_grammar
    from voice_cecert.intents.matcher import Matcher

    path = tmp_path / "lights.yaml"
    path.write_text(
        "language: en\n"
        "intents:\n"
        "  lights-on:\n"
        "    data:\n"
        "      - sentences: ['(turn|switch) on the lights', 'lights on']\n"
        "      - metadata: {loose: true}\n"
        "        sentences: ['it is (too|so) dark in here', 'lights on']\n"
        "  lights-off:\n"
        "    data:\n"
        "      - sentences: ['(turn|switch) off the lights', 'lights off']\n"
    )
    intents = load_intents(path)
    assert intents.loose == {
        ("lights-on", "it is too dark in here"),
        ("lights-on", "it is so dark in here"),
    }
    grammar = build_grammar(None, intents)
    assert "lights on" in grammar and "it is too dark in here" not in grammar
    assert set(grammar.loose) == {"it is too dark in here", "it is so dark in here"}
    assert "dark" not in grammar.jsgf
    got = Matcher(intents).match("it is so dark in here")
    assert got is not None and got.name == "lights-on" and got.exact
