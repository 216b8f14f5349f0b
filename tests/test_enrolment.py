"""Enrolment: the sentences, the takes kept and refused, by ear (prompted) and from a file."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from voice_cecert import enrolment, synth
from voice_cecert.asr import adaptation
from voice_cecert.asr.endpointed import normalize_phrase
from voice_cecert.asr.sphinx_engine import SphinxRecognizer, extra_pronunciations
from voice_cecert.audio import BLOCK_BYTES, blocks_from_array

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import bench_intents as bench  # noqa: E402

SENTENCES = enrolment.load_sentences()
DATA = ROOT / "scripts/bench_data"


def test_sentences_are_plain_and_every_word_is_in_the_dictionary():
    words = {
        line.split()[0]
        for line in Path(enrolment.dictionary_path()).read_text().splitlines()
        if line.strip()
    }
    assert 15 <= len(SENTENCES) <= 30
    assert len(set(map(normalize_phrase, SENTENCES))) == len(SENTENCES)
    for sentence in SENTENCES:
        assert set(adaptation.words_of(sentence)) <= words, sentence
    assert not set(extra_pronunciations()) & {w for s in SENTENCES for w in adaptation.words_of(s)}


def test_no_sentence_is_in_a_benchmark_set():
    """Enrolling must not teach the engine a sentence it is then scored on."""
    tested = set()
    for name in ("commands", "commands_blind", "commands_loose"):
        tested |= {normalize_phrase(t) for t, _, _ in bench.load_commands(DATA / f"{name}.yaml")}
    for name in ("ood", "ood_blind", "ood_loose"):
        tested |= {normalize_phrase(t) for t, _ in bench.load_ood(DATA / f"{name}.yaml")}
    tested |= {normalize_phrase(t) for t in bench.EARLIER_SESSION}
    assert not {normalize_phrase(s) for s in SENTENCES} & tested


def test_a_recording_in_any_order_gives_each_sentence_once_and_nothing_else():
    order = [*SENTENCES[10:], "is the conference room free this afternoon", *SENTENCES[:10]]
    order.insert(3, SENTENCES[12])  # read twice
    audio = synth.session(order, "flite:slt", 1.0)
    result = enrolment.Enrolment(SphinxRecognizer(), None, SENTENCES).from_recording(
        blocks_from_array(audio)
    )
    assert sorted(t.text for t in result.takes) == sorted(SENTENCES)
    assert result.missed == ()
    for take in result.takes:  # the sentence's own audio: a second or two, not the session
        seconds = len(take.audio) / 2 / 16000
        assert 1.0 < seconds < 6.0, (take.text, seconds)


class FakeMic:
    """The microphone cannot run here. After each prompt (`discard`), it plays what the user
    says back: the next entry of `replies` (None: silence)."""

    def __init__(self, replies: list[str | None], voice: str = "flite:slt") -> None:
        self.replies = list(replies)
        self.voice = voice
        self.discards = 0
        self._pending: list[bytes] = []

    def discard(self) -> None:
        self.discards += 1
        reply = self.replies.pop(0) if self.replies else None
        audio = synth.session([reply], self.voice, 1.0) if reply else synth.silence(0.5)
        pcm = synth.to_bytes(audio)
        self._pending = [pcm[k : k + BLOCK_BYTES] for k in range(0, len(pcm), BLOCK_BYTES)]

    def __iter__(self):
        while True:
            if self._pending:
                yield self._pending.pop(0).ljust(BLOCK_BYTES, b"\0")
            else:
                yield bytes(BLOCK_BYTES)  # a quiet room until the next prompt


class Said:
    """Records what the app says (the speakers cannot run here either)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, text: str) -> None:
        self.lines.append(text)

    def cue(self, kind: str, seconds: float) -> None:
        self.lines.append(f"<{kind}>")


def test_prompted_asks_again_then_skips_and_keeps_only_what_it_heard():
    sentences = SENTENCES[:3]
    replies = [
        sentences[0],
        "is the conference room free",  # not the sentence: asked again
        sentences[1],
        None,  # nothing said, twice: skipped
        None,
    ]
    mic, said = FakeMic(replies), Said()
    session = enrolment.Enrolment(SphinxRecognizer(), said, sentences, listen_seconds=2.0)
    result = session.prompted(mic, discard=mic.discard)
    assert [t.text for t in result.takes] == sentences[:2]
    assert result.missed == (sentences[2],)
    assert said.lines[0] == enrolment.INTRO.format(count=3)
    assert said.lines[1:] == [
        enrolment.SAY.format(sentence=sentences[0]),
        "<chime>",
        enrolment.SAY.format(sentence=sentences[1]),
        "<chime>",
        enrolment.AGAIN.format(sentence=sentences[1]),
        "<chime>",
        enrolment.SAY.format(sentence=sentences[2]),
        "<chime>",
        enrolment.AGAIN.format(sentence=sentences[2]),
        "<chime>",
        enrolment.SKIP,
    ]
    assert mic.discards == 5


def test_words_of_crisis_instead_of_a_sentence_end_it_at_once():
    sentences = SENTENCES[:3]
    crisis = enrolment.crisis_phrases()
    assert "i am going to hurt myself" in crisis
    replies = [sentences[0], "I am going to hurt myself", sentences[2]]
    mic, said = FakeMic(replies), Said()
    session = enrolment.Enrolment(SphinxRecognizer(), said, sentences, listen_seconds=2.0)
    result = session.prompted(mic, discard=mic.discard, crisis=crisis)
    assert result.crisis and result.stopped
    assert [t.text for t in result.takes] == sentences[:1]
    assert said.lines[-2:] == [enrolment.SAY.format(sentence=sentences[1]), "<chime>"]
    assert mic.discards == 2  # not asked to read on


def test_listening_for_crisis_words_keeps_the_takes_the_same():
    sentences = SENTENCES[:4]
    mic = FakeMic(list(sentences))
    session = enrolment.Enrolment(SphinxRecognizer(), Said(), sentences, listen_seconds=2.0)
    result = session.prompted(mic, discard=mic.discard, crisis=enrolment.crisis_phrases())
    assert [t.text for t in result.takes] == sentences and not result.crisis


def test_too_few_takes_learn_nothing():
    result = enrolment.EnrolmentResult(
        takes=tuple(adaptation.Take(s, b"\0" * 3200) for s in SENTENCES[:3]),
        missed=tuple(SENTENCES[3:]),
    )
    with pytest.raises(adaptation.AdaptationError, match=f"only 3 of {len(SENTENCES)} sentences"):
        enrolment.learn(result)


def test_a_source_that_ends_early_returns_what_was_taken():
    sentences = SENTENCES[:2]
    audio = synth.session([sentences[0]], "flite:slt", 1.0)
    pcm = synth.to_bytes(np.concatenate([audio, synth.silence(0.5)]))
    blocks = [
        pcm[k : k + BLOCK_BYTES].ljust(BLOCK_BYTES, b"\0") for k in range(0, len(pcm), BLOCK_BYTES)
    ]
    session = enrolment.Enrolment(SphinxRecognizer(), Said(), sentences)
    result = session.prompted(blocks)
    assert [t.text for t in result.takes] == [sentences[0]]
