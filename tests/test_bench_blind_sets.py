"""The held-out (blind) benchmark sets: a mislabelled phrasing, a copy of a development phrasing
or an out-of-domain sentence that really asks for something would make the honest figure
dishonest, so format, labels and disjointness are checked here (no audio, no matcher: the
intents file is used for its intent names only).

Two sets were written blind: `commands_blind.yaml` (2026-11-25; tuned on since the seventh
session, so a development set now) and `commands_blind2.yaml` (2026-11-26, the held-out one).
Both keep the same checks; the second must also repeat no phrasing of any older set."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from voice_cecert.intents.loader import load_intents
from voice_cecert.intents.types import ELEMENTS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scripts/bench_data"
_spec = importlib.util.spec_from_file_location("bench_intents", ROOT / "scripts/bench_intents.py")
bench = sys.modules.get("bench_intents") or importlib.util.module_from_spec(_spec)
if "bench_intents" not in sys.modules:
    sys.modules["bench_intents"] = bench  # dataclasses look their module up here
    _spec.loader.exec_module(bench)

BLIND_COMMANDS = bench.load_commands(DATA / "commands_blind.yaml")
BLIND_OOD = bench.load_ood(DATA / "ood_blind.yaml")
BLIND2_COMMANDS = bench.load_commands(DATA / "commands_blind2.yaml")
BLIND2_OOD = bench.load_ood(DATA / "ood_blind2.yaml")
LOOSE_COMMANDS = bench.load_commands(DATA / "commands_loose.yaml")
LOOSE_OOD = bench.load_ood(DATA / "ood_loose.yaml")
DEV_COMMANDS = bench.load_commands()
DEV_OOD = bench.load_ood()
BOTH = pytest.mark.parametrize(
    ("commands", "ood"),
    [(BLIND_COMMANDS, BLIND_OOD), (BLIND2_COMMANDS, BLIND2_OOD)],
    ids=["blind", "blind2"],
)

NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty five": 45, "sixty": 60, "ninety": 90,
}  # fmt: skip
# Lengths said without a number word, longest first ("a minute and a half" before "a minute").
LENGTH_WORDS = {
    "two and a half minutes": 150, "a minute and a half": 90, "half an hour": 1800,
    "half a minute": 30, "a minute": 60,
    "an hour": 3600,
}  # fmt: skip
NUMBER_RE = re.compile(r"\b(" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")\b")


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def numbers_in(text: str) -> list[int]:
    return [NUMBERS[m] for m in NUMBER_RE.findall(text.lower())]


def counts(commands: list[tuple[str, str, dict]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, intent, _ in commands:
        out[intent] = out.get(intent, 0) + 1
    return out


def test_blind_commands_cover_the_same_intents_in_about_the_same_proportions():
    blind, dev = counts(BLIND_COMMANDS), counts(DEV_COMMANDS)
    assert len(BLIND_COMMANDS) >= 330
    assert set(blind) == set(dev)
    assert set(blind) <= set(load_intents().names), "a key is not an intent of the intents file"
    assert min(blind.values()) >= 5
    for intent, n in blind.items():
        share, dev_share = n / len(BLIND_COMMANDS), dev[intent] / len(DEV_COMMANDS)
        assert 0.5 <= share / dev_share <= 2, intent


def test_second_blind_set_covers_nearly_every_intent():
    """Phrasings an older set already had were dropped by script (mostly short controls), so
    its proportions follow what was left, not the development set's."""
    blind2 = counts(BLIND2_COMMANDS)
    assert len(BLIND2_COMMANDS) >= 250
    assert set(blind2) <= set(load_intents().names), "a key is not an intent of the intents file"
    assert len(set(load_intents().names) - set(blind2)) <= 3
    assert {"crisis", "learn-voice", "forget-voice"} <= set(blind2)


@BOTH
def test_blind_phrasings_are_short_and_plain(commands, ood):
    for text, intent, slots in commands:
        assert isinstance(text, str) and text.strip() and isinstance(slots, dict), intent
        assert len(text.split()) <= 16, text
        assert not re.search(r"\d", text), f"numbers are spoken as words: {text}"
    for text, _ in ood:
        assert len(text.split()) <= 16 and not re.search(r"\d", text), text


@BOTH
def test_blind_slots_follow_the_conventions_and_say_what_they_are_labelled(commands, ood):
    keywords = {
        "experiential": "experiential",
        "rumination": "rumination",
        "narrative": "narrative",
        "emotional-labour": "emotional",
        "recovery": "recovery",
    }
    for text, intent, slots in commands:
        for value in slots.values():
            assert isinstance(value, int | str) and not isinstance(value, bool), text
        if intent == "element":
            assert set(slots) == {"element"} and slots["element"] in ELEMENTS, text
            assert keywords[slots["element"]] in text.lower(), text
        elif intent == "number":
            assert set(slots) == {"number"} and 0 <= slots["number"] <= 10, text
            assert numbers_in(text)[0] == slots["number"], text
        elif intent == "change-plan":
            assert set(slots) == {"question"} and 1 <= slots["question"] <= 6, text
            said = re.search(r"question (\w+)", text)
            if said:
                assert NUMBERS[said.group(1)] == slots["question"], text
            if "first question" in text:
                assert slots["question"] == 1, text
        elif intent == "pattern":
            assert {"inhale", "exhale"} <= set(slots) <= {"inhale", "exhale", "hold"}, text
            order = [slots["inhale"], *([slots["hold"]] if "hold" in slots else [])]
            assert numbers_in(text) == [*order, slots["exhale"]], text
        elif intent == "mindful-moment" and "silent" in slots:
            assert slots == {"silent": "yes"}, text  # the catalog's mode for a client in the room
        elif intent == "duration" or slots:
            assert set(slots) == {"seconds"} and slots["seconds"] > 0, text
            spoken = [v for k, v in LENGTH_WORDS.items() if re.search(rf"\b{k}\b", text.lower())]
            said = re.findall(rf"{NUMBER_RE.pattern} (seconds?|minutes?)\b", text.lower())
            if spoken and not said:
                assert spoken[0] == slots["seconds"], text
                continue
            assert len(said) == 1, text
            amount, unit = said[0]
            assert NUMBERS[amount] * (60 if unit.startswith("minute") else 1) == slots["seconds"]


@BOTH
def test_blind_out_of_domain_set_is_large_and_has_near_misses(commands, ood):
    groups: dict[str, int] = {}
    for text, group in ood:
        assert isinstance(text, str) and text.strip(), group
        groups[group] = groups.get(group, 0) + 1
    assert len(ood) >= 120
    assert set(groups) == {"general", "clinical", "near_miss"}
    assert groups["near_miss"] >= 25


@BOTH
def test_blind_out_of_domain_holds_no_crisis_talk(commands, ood):
    crisis = re.compile(
        r"\b(suicid\w*|kill\w*|die|dying|(be|am|i'm|was|were) dead|hurt (myself|me)|harm|unsafe"
        r"|safe|end (it|my))\b"
    )
    for text, _ in ood:
        assert not crisis.search(text.lower()), text


@pytest.mark.parametrize(
    ("name", "texts"),
    [
        ("blind commands", [t for t, _, _ in BLIND_COMMANDS]),
        ("blind out-of-domain", [t for t, _ in BLIND_OOD]),
        ("blind sets together", [t for t, _, _ in BLIND_COMMANDS] + [t for t, _ in BLIND_OOD]),
        ("second blind sets", [t for t, _, _ in BLIND2_COMMANDS] + [t for t, _ in BLIND2_OOD]),
    ],
)
def test_no_phrasing_is_repeated_within_the_blind_sets(name, texts):
    seen = [norm(t) for t in texts]
    assert len(seen) == len(set(seen)), [t for t in set(seen) if seen.count(t) > 1]


def test_no_blind_phrasing_repeats_a_development_one():
    dev = {norm(t) for t, _, _ in DEV_COMMANDS} | {norm(t) for t, _ in DEV_OOD}
    blind = {norm(t) for t, _, _ in BLIND_COMMANDS} | {norm(t) for t, _ in BLIND_OOD}
    assert not blind & dev


def test_no_second_blind_phrasing_repeats_an_older_set():
    older = [DEV_COMMANDS, LOOSE_COMMANDS, BLIND_COMMANDS]
    seen = {norm(t) for found in older for t, _, _ in found}
    seen |= {norm(t) for found in (DEV_OOD, LOOSE_OOD, BLIND_OOD) for t, _ in found}
    blind2 = {norm(t) for t, _, _ in BLIND2_COMMANDS} | {norm(t) for t, _ in BLIND2_OOD}
    assert not blind2 & seen


def test_default_sets_are_the_development_files():
    assert bench.COMMANDS == DATA / "commands.yaml" and bench.OOD == DATA / "ood.yaml"
    assert bench.load_commands() == bench.load_commands(DATA / "commands.yaml")


def test_report_names_the_sets_it_measured(tmp_path):
    item = bench.Item(
        "c000", "cmd", "x", "breathing", {}, "idle", "flite:slt", "flite", 1.0, "pink", 0,
        "x.wav", 1.0,
    )  # fmt: skip
    typed = {"acc": 100.0, "n_cmd": 1, "fa": 0.0, "n_ood": 0, "fail": []}
    assert bench.data_sets(tmp_path) == {
        "commands": "scripts/bench_data/commands.yaml",
        "ood": "scripts/bench_data/ood.yaml",
    }
    used = {
        "commands": bench.shown(DATA / "commands_blind.yaml"),
        "ood": bench.shown(DATA / "ood_blind.yaml"),
    }
    (tmp_path / "data-sets.json").write_text(bench.json.dumps(used))
    text = bench.report([], {"c000": item}, "cmd", typed, bench.data_sets(tmp_path))
    assert "`scripts/bench_data/commands_blind.yaml`" in text
    assert "`scripts/bench_data/ood_blind.yaml`" in text
    default = bench.report([], {"c000": item}, "cmd", typed)
    assert "`scripts/bench_data/commands.yaml`" in default


def test_a_missing_set_file_is_refused_before_anything_is_rendered(tmp_path):
    work = tmp_path / "work"
    with pytest.raises(SystemExit, match="--ood: no such file"):
        bench.main(["--ood", str(tmp_path / "nope.yaml"), "--work", str(work)])
    assert not work.exists()
