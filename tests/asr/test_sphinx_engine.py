"""pocketsphinx engine: real decoding of synthesised commands and of real human recordings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pocketsphinx
import pytest

from voice_cecert import synth
from voice_cecert.asr.base import Recognizer, Transcript
from voice_cecert.asr.endpointed import UnknownWordsError, normalize_phrase
from voice_cecert.asr.sphinx_engine import SphinxRecognizer, fsg_transitions, word_graph
from voice_cecert.audio import BLOCK_BYTES, StdinSource, WavSource, blocks_from_array
from voice_cecert.errors import UserError

TESTDATA = Path("/usr/share/pocketsphinx/test/data")
COMMANDS = [
    "start a breathing break",
    "i keep going over that session",
    "stop",
    "pause",
    "resume",
    "help",
    "go back",
    "make it slower",
    "yes",
    "no",
]


def transcribe(recognizer, blocks) -> list[Transcript]:
    out = [t for t in (recognizer.feed(b) for b in blocks) if t is not None]
    last = recognizer.flush()
    return out + ([last] if last else [])


@pytest.fixture
def recognizer() -> SphinxRecognizer:
    return SphinxRecognizer()


def _words(text: str) -> list[str]:
    return text.split()


def test_meets_the_recognizer_protocol(recognizer):
    assert isinstance(recognizer, Recognizer)
    assert recognizer.name == "pocketsphinx"


def _paths(final, transitions, start=0, max_words=6):
    """Every word sequence (up to max_words) the graph accepts, with its probability."""
    arcs: dict[int, list] = {}
    for t in transitions:
        arcs.setdefault(t[0], []).append(t)
    out: dict[str, float] = {}
    stack = [(start, (), 1.0)]
    while stack:
        state, words, prob = stack.pop()
        if state == final:
            key = " ".join(words)
            out[key] = out.get(key, 0.0) + prob
            continue
        for arc in arcs.get(state, []):
            if len(arc) == 3:
                stack.append((arc[1], words, prob * arc[2]))
            elif len(words) < max_words:
                stack.append((arc[1], (*words, arc[3]), prob * arc[2]))
    return out


def test_filler_words_give_other_speech_a_way_out_of_the_commands():
    graph = word_graph(["go back", "stop"], filler=["the", "weather"], filler_weight=0.3)
    accepted = _paths(graph.final, graph.transitions, start=graph.start, max_words=3)
    command_share = 1 / 1.3
    assert accepted["go back"] == pytest.approx(command_share / 2)
    assert accepted["stop"] == pytest.approx(command_share / 2)
    assert accepted["the weather"] > 0 and accepted["weather"] > 0
    assert "go weather" not in accepted and "stop the" not in accepted
    # all paths together (the loop cut at three words) carry nearly all the probability
    assert 0.95 < sum(accepted.values()) <= 1.0 + 1e-9


def test_fsg_accepts_exactly_the_phrases_each_equally_likely():
    phrases = [
        f"{verb} {article} {kind} break"
        for verb in ("start", "begin", "give me")
        for article in ("a", "the")
        for kind in ("breathing", "breath", "calm")
    ] + ["go", "go back", "stop", "stop now"]
    final, transitions = fsg_transitions(phrases)
    accepted = _paths(final, transitions)
    assert set(accepted) == set(phrases)
    assert all(p == pytest.approx(1 / len(phrases)) for p in accepted.values())
    # shared endings are merged: far fewer states than the ~50 of a prefix tree
    assert final < 15


@pytest.mark.parametrize("voice", ["flite:slt", "espeak:en-us"])
def test_grammar_recognises_a_spoken_session_of_commands(recognizer, voice):
    said = ["start a breathing break", "stop", "i keep going over that session", "make it slower"]
    samples, marks = synth.session_with_marks(said, voice=voice)
    recognizer.set_grammar(COMMANDS)
    heard = transcribe(recognizer, blocks_from_array(samples))
    assert [t.text for t in heard] == said
    for transcript, mark in zip(heard, marks, strict=True):
        assert transcript.grammar
        assert transcript.confidence > 0.3, transcript
        assert abs(transcript.start - mark.start) < 0.15
        assert abs(transcript.end - mark.end) < 0.25  # the VAD's own hangover
    assert recognizer.last_decode_seconds < 0.15


def test_speech_outside_the_grammar_gets_low_confidence(recognizer):
    recognizer.set_grammar(COMMANDS)
    inside = transcribe(recognizer, blocks_from_array(synth.session(["pause"])))
    outside = transcribe(
        recognizer,
        blocks_from_array(synth.session(["the weather is nice today in paris"])),
    )
    assert [t.text for t in inside] == ["pause"]
    assert len(outside) == 1
    assert outside[0].text == "" or outside[0].confidence < 0.3
    assert outside[0].confidence < inside[0].confidence


class _PhrasesWithFiller(tuple):
    """Shaped like the intents package's Grammar: phrases plus `filler` words."""

    filler = ("the", "weather", "is", "nice", "today", "in", "paris", "a", "it")


def test_filler_words_catch_other_speech_when_turned_on():
    samples = synth.session(["the weather is nice today in paris", "pause"])
    grammar = _PhrasesWithFiller(COMMANDS)
    with_filler = SphinxRecognizer(use_filler=True)
    with_filler.set_grammar(grammar)
    heard = [t.text for t in transcribe(with_filler, blocks_from_array(samples))]
    assert heard[-1] == "pause"
    assert heard[0] and all(w in _PhrasesWithFiller.filler for w in heard[0].split())
    default = SphinxRecognizer()
    default.set_grammar(grammar)  # filler ignored: only commands can come out
    heard = [t.text for t in transcribe(default, blocks_from_array(samples))]
    assert all(text in COMMANDS or text == "" for text in heard)


def test_free_dictation_transcribes_a_sentence(recognizer):
    recognizer.set_grammar(None)
    heard = transcribe(
        recognizer, blocks_from_array(synth.session(["i keep going over that session"]))
    )
    assert len(heard) == 1 and not heard[0].grammar
    assert heard[0].text == "i keep going over that session"
    assert 0.0 < heard[0].confidence <= 1.0


def test_real_human_recording_with_a_grammar():
    """cards/001.wav is a person saying "ten of clubs" (pocketsphinx's own test data)."""
    ranks = ["ace", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    suits = ["clubs", "hearts", "diamonds", "spades"]
    recognizer = SphinxRecognizer()
    recognizer.set_grammar([f"{r} of {s}" for r in ranks for s in suits])
    heard = transcribe(recognizer, WavSource(TESTDATA / "cards" / "001.wav"))
    assert [t.text for t in heard] == ["ten of clubs"]
    assert heard[0].confidence > 0.3


def test_real_human_recording_free_dictation():
    """A LibriVox reader: "he was not an ill disposed young man" (free dictation, so not exact)."""
    recognizer = SphinxRecognizer()
    heard = transcribe(
        recognizer,
        WavSource(TESTDATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"),
    )
    words = " ".join(t.text for t in heard).split()
    reference = ["he", "was", "not", "an", "ill", "disposed", "young", "man"]
    assert sum(w in words for w in reference) >= 5, words


def test_raw_pcm_on_stdin_with_a_grammar():
    recognizer = SphinxRecognizer()
    recognizer.set_grammar(["go forward ten meters", "go back", "stop"])
    with open(TESTDATA / "goforward.raw", "rb") as raw:
        heard = transcribe(recognizer, StdinSource(raw))
    assert [t.text for t in heard] == ["go forward ten meters"]


def test_unknown_words_are_listed_not_dropped(recognizer):
    assert recognizer.missing_words(["stop", "zorblax now", "qwxyzzy"]) == ("qwxyzzy", "zorblax")
    with pytest.raises(UnknownWordsError) as err:
        recognizer.set_grammar(["stop", "zorblax now"])
    assert err.value.words == ("zorblax",)
    assert "zorblax" in str(err.value) and isinstance(err.value, UserError)
    assert recognizer.grammar is None  # the failed grammar did not replace the old one


def test_phrases_are_normalised_and_empty_grammars_refused(recognizer):
    assert normalize_phrase("  Check-in,  PLEASE!  ") == "check in please"
    assert normalize_phrase("I\u2019m done") == "i'm done"
    recognizer.set_grammar(["Stop!", "stop", "I'm done"])
    assert recognizer.grammar == ("stop", "i'm done")
    with pytest.raises(UserError, match="no phrases"):
        recognizer.set_grammar(["...", ""])
    with pytest.raises(TypeError):
        recognizer.set_grammar("stop")


def test_switching_back_to_a_grammar_reuses_the_compiled_search(recognizer, monkeypatch):
    from voice_cecert.asr import sphinx_engine

    built = []
    real = sphinx_engine.word_graph
    monkeypatch.setattr(
        sphinx_engine, "word_graph", lambda *a, **k: (built.append(a[0]), real(*a, **k))[1]
    )
    recognizer.set_grammar(COMMANDS)
    recognizer.set_grammar(["yes", "no"])
    recognizer.set_grammar(COMMANDS)
    recognizer.prepare()  # compiles what is missing now, instead of at the next utterance
    assert len(built) == 2  # COMMANDS and yes/no once each: switching back compiled nothing
    heard = transcribe(recognizer, blocks_from_array(synth.session(["go back"])))
    assert [t.text for t in heard] == ["go back"]  # not in the yes/no grammar


def test_grammar_change_waits_for_the_utterance_in_progress(recognizer):
    samples = synth.session(["yes", "go back"], lead=0.5)
    recognizer.set_grammar(["yes", "no"])
    heard = []
    for block in blocks_from_array(samples):
        if recognizer.in_utterance:
            recognizer.set_grammar(["go back", "stop"])
        t = recognizer.feed(block)
        if t:
            heard.append(t.text)
    assert heard == ["yes", "go back"]


def test_partial_results_during_an_utterance(recognizer):
    recognizer.set_grammar(COMMANDS)
    partials = set()
    for block in blocks_from_array(synth.session(["start a breathing break"])):
        recognizer.feed(block)
        partials.add(recognizer.partial())
    assert any(p.startswith("start") for p in partials)
    assert recognizer.partial() == ""  # nothing in progress after the endpoint


def test_reset_drops_what_was_heard_so_far(recognizer):
    samples, marks = synth.session_with_marks(["stop"], tail=1.5)
    recognizer.set_grammar(COMMANDS)
    cut = round((marks[0].end - 0.1) * 16000) * 2
    raw = samples.tobytes()
    for start in range(0, cut - cut % BLOCK_BYTES, BLOCK_BYTES):
        assert recognizer.feed(raw[start : start + BLOCK_BYTES]) is None
    assert recognizer.in_utterance
    recognizer.reset()
    assert transcribe(recognizer, blocks_from_array(np.zeros(16000, dtype=np.int16))) == []


def test_flush_finishes_speech_cut_off_at_the_end_of_the_stream(recognizer):
    samples = synth.session(["make it slower"], tail=0.1)
    recognizer.set_grammar(COMMANDS)
    heard = [t for t in map(recognizer.feed, blocks_from_array(samples)) if t]
    assert heard == []
    last = recognizer.flush()
    assert last is not None and last.text == "make it slower"
    assert recognizer.flush() is None


def test_odd_sized_feeds_are_regrouped(recognizer):
    samples = synth.session(["help"]).tobytes()
    recognizer.set_grammar(COMMANDS)
    pieces = [samples[i : i + 1000] for i in range(0, len(samples), 1000)]
    assert [t.text for t in transcribe(recognizer, pieces)] == ["help"]


def test_prepare_loads_the_free_dictation_model_ahead_of_speech():
    recognizer = SphinxRecognizer()
    assert not recognizer._lm_loaded  # grammar-only use never pays for the LM
    recognizer.prepare()
    assert recognizer._lm_loaded


# --- phone-loop check (out-of-grammar speech forced onto a phrase) ----------------------------
# One-word commands are the ones a check like this loses first; the chatter is from the
# rejection benchmark (scripts/bench_rejection.py), where the decoder forces it onto commands.
SHORT_COMMANDS = ["stop", "slower", "yes", "seven", "start a breathing break"]
CHATTER = [
    "we should get lunch later",
    "where did i park the car",
    "can you send the report to my supervisor",
    "is the conference room free",
]


@pytest.fixture(scope="module")
def intents_grammar():
    from voice_cecert.intents.grammar import build_grammar

    return build_grammar(filler=False)  # every intent, as forcing as a grammar gets


def _one_each(recognizer, texts, voice="flite:slt") -> list[Transcript]:
    heard = []
    for text in texts:
        recognizer.reset()
        samples = np.concatenate(
            [synth.silence(0.5), synth.synthesize(text, voice), synth.silence(1.0)]
        )
        got = transcribe(recognizer, blocks_from_array(samples))
        assert len(got) == 1, (text, got)
        heard.append(got[0])
    return heard


def test_phone_loop_check_keeps_commands_and_flags_chatter(intents_grammar):
    recognizer = SphinxRecognizer(second_pass=False)  # the check alone, and its cost
    recognizer.set_grammar(intents_grammar)
    commands = _one_each(recognizer, SHORT_COMMANDS)
    assert [t.text for t in commands] == SHORT_COMMANDS
    assert all(t.verified and t.fit is not None for t in commands), commands
    chatter = _one_each(recognizer, CHATTER)
    # forced onto some phrase by the grammar, but not verified (or nothing heard at all)
    assert all(t.text == "" or not t.verified for t in chatter), chatter
    assert min(t.fit for t in commands) > max(t.fit for t in chatter if t.fit is not None)
    assert recognizer.last_decode_seconds < 0.15


def test_phone_loop_check_off_gives_unchecked_transcripts(intents_grammar):
    recognizer = SphinxRecognizer(verify=False)
    recognizer.set_grammar(intents_grammar)
    (heard,) = _one_each(recognizer, ["we should get lunch later"])
    assert heard.text  # the grammar decoder alone forces chatter onto a phrase
    assert heard.verified and heard.fit is None


def test_free_dictation_is_not_checked(recognizer):
    recognizer.set_grammar(None)
    (heard,) = _one_each(recognizer, ["the printer is broken"])
    assert not heard.grammar and heard.verified and heard.fit is None


@pytest.mark.parametrize(
    "name",
    [
        "sense_and_sensibility_01_austen_64kb-0870.wav",
        "sense_and_sensibility_01_austen_64kb-0880.wav",
        "sense_and_sensibility_01_austen_64kb-0920.wav",
    ],
)
def test_real_human_reading_is_not_verified_as_a_command(intents_grammar, name):
    """A LibriVox reader (out of domain): the grammar forces phrases, the check rejects them."""
    recognizer = SphinxRecognizer()
    recognizer.set_grammar(intents_grammar)
    heard = transcribe(recognizer, WavSource(TESTDATA / "librivox" / name))
    assert heard and all(t.text == "" or not t.verified for t in heard), heard


def test_check_spares_lone_words_but_still_flags_long_speech_on_a_short_phrase():
    """Number answers: one word against "ten", "twenty", "two"... has a low posterior and, in
    a sub-second VAD span that also holds its breathy onset, a low coverage; neither must
    reject it (both did before). Long chatter decoded as a short phrase plus silence must
    still be flagged, by coverage (the rule still applies from VERIFY_COVERAGE_FROM)."""
    from voice_cecert.asr import sphinx_engine
    from voice_cecert.dialogue import ANSWER_INTENTS, ROUTINE_CONTROLS
    from voice_cecert.intents.grammar import build_grammar
    from voice_cecert.intents.loader import load_intents

    names = (ROUTINE_CONTROLS | ANSWER_INTENTS["number"]) & frozenset(load_intents().names)
    recognizer = SphinxRecognizer()
    recognizer.set_grammar(build_grammar(names, filler=False))
    words = ["one", "three", "ten", "zero", "eight"]
    heard = _one_each(recognizer, words, "flite:awb")
    right = [t for t, word in zip(heard, words, strict=True) if t.text == word]
    assert len(right) >= 2, heard  # the decoder's own misses ("too", "what") are not at issue
    assert all(t.verified for t in right), right
    chatter = _one_each(recognizer, ["can you send the report to my supervisor"], "flite:rms")
    assert all(t.text == "" or not t.verified for t in chatter), chatter
    assert sphinx_engine.VERIFY_COVERAGE_FROM <= 1.0  # the sentence above has ~2.5 s of speech


def test_safety_net_ends_where_the_fit_is_far_off(intents_grammar):
    """`plausible` (whether the crisis safety net may act on an unverified phrase) is False
    exactly when the fit is below SAFETY_NET_RATIO; everyday talk forced onto the whole
    grammar gets there, a crisis statement said in grammar stays verified."""
    from voice_cecert.asr.sphinx_engine import SAFETY_NET_RATIO

    recognizer = SphinxRecognizer()
    recognizer.set_grammar(intents_grammar)
    (said,) = _one_each(recognizer, ["i want to hurt myself"])
    assert said.text == "i want to hurt myself" and said.verified and said.plausible
    chatter = [
        "I think I left my keys in the kitchen",
        "the printer on the second floor is jammed again",
        "we should try that new restaurant downtown",
        "did you see the game last night",
    ]
    heard = [
        t
        for voice in ("flite:awb", "flite:slt", "espeak:en-us")
        for t in _one_each(recognizer, chatter, voice=voice)
        if t.text
    ]
    for t in heard:
        assert t.plausible == (t.verified or t.fit >= SAFETY_NET_RATIO), t
    assert any(not t.plausible for t in heard), heard


def test_domain_words_missing_from_the_bundled_dictionary_are_heard(intents_grammar):
    """'mindfulness' and 'ruminating' are not in the CMU dictionary; extra_words.dict adds
    them, so the grammar compiles and the words are recognised when said."""
    from voice_cecert.asr.sphinx_engine import extra_pronunciations

    assert {"mindfulness", "ruminating"} <= set(extra_pronunciations())
    plain = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    assert plain.lookup_word("mindfulness") is None  # still needed
    recognizer = SphinxRecognizer()
    assert recognizer.missing_words(["mindfulness please", "i'm ruminating"]) == ()
    recognizer.set_grammar(intents_grammar)
    said = ["mindfulness please", "i'm ruminating"]
    assert [t.text for t in _one_each(recognizer, said, voice="flite:rms")] == said


def test_second_pass_reads_with_the_grammar_words_only(intents_grammar):
    """A reading is free text over the grammar's own words (its loose sentences' included); a
    decoder with the whole CMU dictionary cost about 20 MB per grammar, this one about 1-5 MB."""
    recognizer = SphinxRecognizer()
    recognizer.set_grammar(intents_grammar)
    (heard,) = _one_each(recognizer, ["I want to jot down what to bring to supervision"])
    assert not heard.verified and heard.second is not None
    grammar_words = {
        w for phrase in (*intents_grammar, *intents_grammar.loose) for w in phrase.split()
    }
    assert set(heard.second.text.split()) <= grammar_words
    reader = recognizer._reader
    assert reader is not None and reader.lookup_word("supervision") is not None
    assert reader.lookup_word("zebra") is None and recognizer.decoder.lookup_word("zebra")


def test_second_pass_knows_the_loose_sentences_the_grammar_leaves_out(intents_grammar):
    """Loose talk (the intents file's `metadata: {loose: true}` blocks) is not a phrase of the
    first-pass grammar, but the second pass's model holds it: "backstory" is a word of loose
    sentences only, so the second pass can read it and the grammar cannot."""
    from voice_cecert.intents.matcher import Matcher

    said = "I want to think through the backstory before this call"
    assert "backstory" in {w for p in intents_grammar.loose for w in p.split()}
    assert "backstory" not in {w for p in intents_grammar for w in p.split()}
    recognizer = SphinxRecognizer()
    recognizer.set_grammar(intents_grammar)
    heard = _one_each(recognizer, [said, said], voice="flite:slt") + _one_each(
        recognizer, [said], voice="flite:rms"
    )
    assert all("backstory" not in t.text for t in heard)
    readings = [t.second.text for t in heard if t.second is not None]
    assert any("backstory" in text for text in readings), heard
    matched = [Matcher().match(text) for text in readings if "backstory" in text]
    assert all(m is not None and m.name == "antecedent-narrative" for m in matched), matched
