"""Recogniser grammars: phrases the engines know, JSGF that pocketsphinx compiles and decodes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pocketsphinx
import pytest

from voice_cecert import synth
from voice_cecert.asr.sphinx_engine import add_extra_words, extra_pronunciations
from voice_cecert.intents.grammar import Grammar, build_grammar, phrases, vocabulary
from voice_cecert.intents.loader import load_intents

DICT = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"


def _pronunciations() -> dict[str, set[str]]:
    prons: dict[str, set[str]] = {}
    for line in DICT.read_text().splitlines():
        word, _, phones = line.partition(" ")
        base = word.split("(")[0]
        prons.setdefault(base, set()).add(phones.strip())
    for word, phones in extra_pronunciations().items():  # what the engine adds
        prons.setdefault(word, set()).add(phones)
    return prons


@pytest.fixture(scope="module")
def prons() -> dict[str, set[str]]:
    return _pronunciations()


def test_phrases_are_lowercase_words_without_digits():
    for phrase in phrases():
        assert phrase == phrase.lower().strip()
        assert all(w.replace("'", "").isalpha() for w in phrase.split()), phrase


def test_every_grammar_word_is_in_the_pocketsphinx_dictionary(prons):
    missing = sorted(w for w in vocabulary(build_grammar()) if w not in prons)
    assert missing == []


def test_state_grammar_holds_only_allowed_intents():
    intents = load_intents()
    answers = set(phrases(["answers"]))
    allowed = intents.resolve(["answers"])
    expected = {t for n, t in intents.sentences if n in allowed and (n, t) not in intents.loose}
    assert answers == expected
    loose = {t for n, t in intents.loose if n in allowed}
    assert "inhale four hold two exhale six" in loose
    assert set(build_grammar(["answers"]).loose) == loose - answers
    assert not loose & set(build_grammar(["routines"]).loose)
    assert "seven" in answers and "yes" in answers and "i want to kill myself" in answers
    assert "stop" not in answers and "start a breathing break" not in answers


def test_grammar_is_a_phrase_tuple_with_jsgf_and_filler():
    grammar = build_grammar(["stop", "pause", "number"])  # a routine state: no filler path
    assert isinstance(grammar, Grammar) and isinstance(grammar, tuple)
    assert list(grammar) == sorted(set(grammar))
    assert grammar.jsgf.startswith("#JSGF V1.0;")
    assert grammar.filler == ()
    assert build_grammar(["stop", "pause", "number"]) is grammar  # cached per state
    # idle (routines) and sleeping (wake) states get the filler path
    assert "the" in build_grammar(["routines"]).filler
    assert build_grammar(["wake"]).filler == build_grammar(["routines"]).filler
    assert build_grammar(["stop"], filler=True).filler
    assert build_grammar(["routines"], filler=False).filler == ()


def test_filler_never_sounds_like_a_one_word_command(prons):
    """A filler word that sounds like "no" or "four" would swallow that answer."""
    grammar = build_grammar()
    single = {p for p in grammar if " " not in p}
    command_sounds = {pron for word in single for pron in prons[word]}
    clashes = sorted(w for w in grammar.filler if prons[w] & command_sounds)
    assert clashes == []


def _decode(decoder: pocketsphinx.Decoder, text: str, voice: str) -> str:
    audio = np.concatenate([synth.silence(0.3), synth.synthesize(text, voice), synth.silence(0.3)])
    decoder.start_utt()
    decoder.process_raw(audio.tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def test_jsgf_of_everything_compiles():
    """How long it takes is scripts/bench_grammar.py's table (docs/BENCHMARKS.md), not a timed
    test: under load on a shared machine a time limit here fails for the wrong reason."""
    grammar = build_grammar()
    decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    add_extra_words(decoder)
    decoder.add_jsgf_string("all", grammar.jsgf)  # raises if pocketsphinx cannot parse it
    assert "<filler>+" in grammar.jsgf


def test_jsgf_decodes_exactly_the_phrases_said():
    grammar = build_grammar(["controls", "answers"], filler=False)
    decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    add_extra_words(decoder)
    decoder.add_jsgf_string("state", grammar.jsgf)
    decoder.activate_search("state")
    for text, voice in (("make it three minutes", "flite:slt"), ("go back", "espeak:en-us")):
        assert _decode(decoder, text, voice) == text


def test_custom_file_with_word_joins_still_makes_valid_jsgf(tmp_path):
    path = tmp_path / "lights.yaml"
    path.write_text(
        "language: en\nintents:\n  lights:\n    data:\n"
        "      - sentences: ['(switch|turn) on [the] light[s]', '(a;b) lights']\n"
    )
    intents = load_intents(path)
    grammar = build_grammar(intents=intents, filler=False)
    assert set(grammar) == {
        "switch on the light",
        "switch on the lights",
        "turn on the light",
        "turn on the lights",
        "switch on light",
        "switch on lights",
        "turn on light",
        "turn on lights",
        "a b lights",
        "b a lights",
    }
    decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    add_extra_words(decoder)
    decoder.add_jsgf_string("lights", grammar.jsgf)  # raises if the JSGF is malformed


@pytest.fixture(autouse=True, scope="module")
def _synth_cache(tmp_path_factory):
    cache = os.environ.get("VOICE_CECERT_SYNTH_CACHE")
    synth.set_cache_dir(cache or tmp_path_factory.mktemp("synth"))
    yield
    synth.set_cache_dir(None)
