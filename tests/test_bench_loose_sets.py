"""The loose development sets: well formed, labelled with real intents, and disjoint from the
other sets (a repeat would let tuning on them leak into the blind figure)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from voice_cecert.intents.loader import load_intents

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scripts/bench_data"
_spec = importlib.util.spec_from_file_location("bench_intents", ROOT / "scripts/bench_intents.py")
bench = sys.modules.get("bench_intents") or importlib.util.module_from_spec(_spec)
if "bench_intents" not in sys.modules:
    sys.modules["bench_intents"] = bench
    _spec.loader.exec_module(bench)


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


LOOSE = bench.load_commands(DATA / "commands_loose.yaml")
LOOSE_OOD = bench.load_ood(DATA / "ood_loose.yaml")
LOOSE2 = bench.load_commands(DATA / "commands_loose2.yaml")
LOOSE2_OOD = bench.load_ood(DATA / "ood_loose2.yaml")


def test_loose_sets_repeat_no_phrasing_of_the_other_sets_or_themselves():
    loose = [norm(t) for t, _, _ in LOOSE] + [norm(t) for t, _ in LOOSE_OOD]
    assert len(loose) == len(set(loose))
    others = set()
    for commands, ood in (("commands.yaml", "ood.yaml"), ("commands_blind.yaml", "ood_blind.yaml")):
        others |= {norm(t) for t, _, _ in bench.load_commands(DATA / commands)}
        others |= {norm(t) for t, _ in bench.load_ood(DATA / ood)}
    assert not set(loose) & others


@pytest.mark.parametrize(
    ("commands", "ood", "sizes", "max_words"),
    [(LOOSE, LOOSE_OOD, (250, 100), 12), (LOOSE2, LOOSE2_OOD, (200, 90), 14)],
    ids=["loose", "loose2"],
)
def test_loose_sets_are_large_plain_and_labelled_with_intents_of_the_file(
    commands, ood, sizes, max_words
):
    assert len(commands) >= sizes[0] and len(ood) >= sizes[1]
    names = set(load_intents().names)
    for text, intent, slots in commands:
        assert intent in names, intent
        assert isinstance(slots, dict) and text.strip() and len(text.split()) <= max_words, text
        assert not re.search(r"\d", text), text
        for value in slots.values():
            assert isinstance(value, int | str) and not isinstance(value, bool), text
    assert {group for _, group in ood} == {"general", "clinical", "near_miss"}


def test_third_development_set_repeats_no_other_set_or_itself():
    """Above all not the held-out second blind set: a repeat would carry tuning into it."""
    loose2 = [norm(t) for t, _, _ in LOOSE2] + [norm(t) for t, _ in LOOSE2_OOD]
    assert len(loose2) == len(set(loose2))
    others = set()
    for commands, ood in (
        ("commands.yaml", "ood.yaml"),
        ("commands_loose.yaml", "ood_loose.yaml"),
        ("commands_blind.yaml", "ood_blind.yaml"),
        ("commands_blind2.yaml", "ood_blind2.yaml"),
    ):
        others |= {norm(t) for t, _, _ in bench.load_commands(DATA / commands)}
        others |= {norm(t) for t, _ in bench.load_ood(DATA / ood)}
    assert not set(loose2) & others
