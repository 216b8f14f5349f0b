"""The speech-to-intent benchmark's data and scoring: a wrong label or a lenient judge would make
every figure in docs/BENCHMARKS.md meaningless, so they are checked here (no audio decoded)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from voice_cecert.intents.loader import load_intents
from voice_cecert.intents.types import ANSWERS, CONTROLS, ELEMENTS

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_intents", ROOT / "scripts/bench_intents.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_intents"] = bench  # dataclasses look their module up here
_spec.loader.exec_module(bench)


def test_commands_cover_every_contract_intent_with_enough_phrasings():
    commands = bench.load_commands()
    assert len(commands) >= 300
    counts: dict[str, int] = {}
    for text, intent, slots in commands:
        assert isinstance(text, str) and text.strip(), (intent, text)
        assert isinstance(slots, dict)
        counts[intent] = counts.get(intent, 0) + 1
    routines = load_intents().groups["routines"]  # CATALOG.md ids + practice/review-plan
    assert len(routines) == 24
    contract = set(routines) | set(CONTROLS) | set(ANSWERS)
    contract |= {"element", "change-plan", "crisis"}
    assert set(counts) == contract
    assert min(counts.values()) >= 5
    assert set(counts) <= set(load_intents().names), "the intents file lacks a contract intent"


def test_command_slots_are_well_formed():
    for text, intent, slots in bench.load_commands():
        if intent == "element":
            assert slots["element"] in ELEMENTS, text
        elif intent == "number":
            assert set(slots) == {"number"} and 0 <= slots["number"] <= 10, text
        elif intent == "change-plan":
            assert set(slots) == {"question"} and 1 <= slots["question"] <= 6, text
        elif intent == "pattern":
            assert {"inhale", "exhale"} <= set(slots) <= {"inhale", "exhale", "hold"}, text
        elif intent == "mindful-moment" and "silent" in slots:  # its mode for a client present
            assert slots["silent"] == "yes" and set(slots) <= {"silent", "seconds"}, text
        elif intent == "duration" or slots:
            assert set(slots) == {"seconds"} and slots["seconds"] > 0, text
        for value in slots.values():
            assert isinstance(value, int | str) and not isinstance(value, bool), text


def test_durations_say_the_seconds_they_are_labelled_with():
    units = {"seconds": 1, "minute": 60, "minutes": 60}
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "twenty": 20}
    words |= {"thirty": 30, "forty five": 45, "ninety": 90}
    for text, _, slots in bench.load_commands():
        if "seconds" not in slots:
            continue
        m = re.search(r"(forty five|\w+) (seconds|minutes?)\b", text)
        assert m, text
        assert words[m.group(1)] * units[m.group(2)] == slots["seconds"], text


def test_out_of_domain_set_is_large_and_disjoint_from_commands():
    ood = bench.load_ood()
    assert len(ood) >= 100
    command_texts = {t.lower() for t, _, _ in bench.load_commands()}
    assert not command_texts & {t.lower() for t, _ in ood}


def _item(kind="cmd", intent="breathing", slots=None):
    return bench.Item(
        "c0001", kind, "x", intent, slots or {}, "idle", "flite:slt", "flite", 1.0, "pink", 0,
        "x.wav", 1.0,
    )  # fmt: skip


def _event(intent, slots=None, flushed=False):
    return {"text": "t", "intent": intent, "slots": slots or {}, "flushed": flushed}


@pytest.mark.parametrize(
    ("events", "ok"),
    [
        ([_event("breathing", {"seconds": 120})], True),
        ([_event("breathing", {"seconds": 120, "extra": None})], True),
        ([_event("breathing", {})], False),  # slot missed
        ([_event("breathing", {"seconds": 60})], False),  # slot wrong
        ([_event("breathing", {"seconds": 120}, flushed=True)], False),  # never endpointed
        ([_event("stop"), _event("breathing", {"seconds": 120})], False),  # extra intent
        ([_event(None), _event("breathing", {"seconds": 120})], True),  # a rejected blip
        ([], False),
    ],
)
def test_a_command_counts_only_if_intent_and_every_slot_are_right(events, ok):
    assert bench.judge(_item(slots={"seconds": 120}), events)[0] is ok


def test_any_accepted_intent_on_out_of_domain_speech_is_a_false_acceptance():
    ood = _item(kind="ood", intent=None)
    assert bench.judge(ood, [_event(None)])[0] is False
    assert bench.judge(ood, [_event("stop", flushed=True)])[0] is True


def test_the_earlier_session_is_everyday_talk_in_no_data_set():
    """--sessions returning learns each voice's cepstral mean from these sentences: they must
    hold no test audio and no command, or the remembered mean would carry the answers."""
    from voice_cecert.intents.matcher import Matcher

    texts: set[str] = set()
    for commands, ood in [
        (bench.COMMANDS, bench.OOD),
        (bench.DATA / "commands_blind.yaml", bench.DATA / "ood_blind.yaml"),
        (bench.DATA / "commands_loose.yaml", bench.DATA / "ood_loose.yaml"),
        (bench.DATA / "commands_blind2.yaml", bench.DATA / "ood_blind2.yaml"),
        (bench.DATA / "commands_loose2.yaml", bench.DATA / "ood_loose2.yaml"),
    ]:
        texts |= {t.lower() for t, _, _ in bench.load_commands(commands)}
        texts |= {t.lower() for t, _ in bench.load_ood(ood)}
    matcher = Matcher()
    for sentence in bench.EARLIER_SESSION:
        assert sentence.lower() not in texts
        assert matcher.match(sentence, None) is None
