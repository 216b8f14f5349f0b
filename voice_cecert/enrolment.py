"""Learning the user's voice: they say a few sentences back, and the speech model adapts.

Everything is by ear: each sentence is said aloud (and shown), a chime says "your turn", and
the app says whether it heard the sentence, so a low-vision user needs no screen. A take is
kept only if the recogniser, listening for that one sentence, heard it and it fits the sound
as well as a verified command must (the same phone-loop check): a cough, a door or a
different sentence would teach the model the wrong sounds. A missed sentence is asked for
once more, then skipped. A recording made with another tool works too (`from_recording`): its
utterances are matched against all the sentences, in any order.

The audio of a take lives in memory until `adaptation.estimate` has used it; see
adaptation.py for what is kept afterwards (the adapted model's statistics, no audio).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from voice_cecert.asr.adaptation import LearnedVoice, Take
from voice_cecert.asr.base import Transcript
from voice_cecert.asr.endpointed import normalize_phrase
from voice_cecert.audio import BLOCK_SECONDS
from voice_cecert.errors import UserError

SENTENCES = Path(__file__).parent / "asr" / "enrolment.yaml"
# Fewer sentences than this heard clearly and nothing is learned. With MAP adaptation the
# espeak-ng voices reading the first 10 sentences (8-10 of them heard clearly) got 169 of 179
# development commands right, and all 20 sentences 171 (docs/BENCHMARKS.md, "Sixth
# session"); fewer would adapt on very little speech, and MAP moves each sound unit only as
# far as its own takes go (4 takes of a human reader made free dictation slightly worse).
MIN_TAKES = 10
LISTEN_SECONDS = 12.0  # of silence after the chime before the sentence counts as missed
TRIES = 2

INTRO = (
    "Let's learn your voice. I'll say {count} short sentences, one at a time. "
    "After each chime, say it back in your usual voice. It takes about three minutes."
)
STOP_HINT = "To end early, say '{stop}' after a chime."
SAY = "Please say: {sentence}"
AGAIN = "I didn't catch all of that. Once more: {sentence}"
SKIP = "Let's skip that one."


def load_sentences(path: Path = SENTENCES) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sentences = data.get("sentences") if isinstance(data, dict) else None
    if not isinstance(sentences, list) or not all(isinstance(s, str) for s in sentences):
        raise UserError(f"{path} has no list of sentences")
    return sentences


@dataclass(frozen=True)
class EnrolmentResult:
    takes: tuple[Take, ...]
    missed: tuple[str, ...]
    stopped: bool = False  # the user said the stop phrase, or words of crisis
    crisis: bool = False  # a crisis phrase was heard instead of a sentence


class Enrolment:
    """Collects takes with a recogniser (pocketsphinx, conditioning as in use) and a speaker."""

    def __init__(
        self,
        recognizer,
        speaker,
        sentences: list[str],
        *,
        listen_seconds: float = LISTEN_SECONDS,
    ) -> None:
        self.recognizer = recognizer
        self.speaker = speaker
        self.sentences = sentences
        self.listen_seconds = listen_seconds
        self._ended = False  # the source ran out
        recognizer.keep_audio = True

    def prompted(
        self,
        blocks: Iterable[bytes],
        discard: Callable[[], None] | None = None,
        stop: str | None = None,
        crisis: Sequence[str] = (),
    ) -> EnrolmentResult:
        """Say each sentence, listen for it after a chime. `discard` drops what the
        microphone heard while the app was talking (its own voice). `stop`: a phrase that
        ends it early when heard instead of a sentence (the assistant's way out by voice,
        say for a client at the door), listened for beside each sentence. `crisis`: phrases
        of crisis or self-harm, listened for beside each sentence too: someone in danger
        must not be asked to read on. One ends the enrolment at once (`crisis=True`), heard
        as the safety net hears them, even when the fit is doubtful but plausible."""
        stream = iter(blocks)
        takes: list[Take] = []
        missed: list[str] = []
        intro = INTRO.format(count=len(self.sentences))
        if stop is not None:
            intro += " " + STOP_HINT.format(stop=stop)
        self.speaker.say(intro)
        stopping = {normalize_phrase(stop)} if stop is not None else set()
        danger = {normalize_phrase(p) for p in crisis}
        also = [*stopping, *sorted(danger)]
        for sentence in self.sentences:
            self.recognizer.set_grammar([sentence, *also])
            for attempt in range(TRIES):
                line = SAY if attempt == 0 else AGAIN
                self.speaker.say(line.format(sentence=sentence))
                self.speaker.cue("chime", 0.3)
                if discard is not None:
                    discard()
                self.recognizer.reset()
                heard = self._next_utterance(stream, self.listen_seconds)
                if heard is None and self._ended:
                    return EnrolmentResult(tuple(takes), tuple(missed))
                if heard is not None and heard.text in danger and heard.plausible:
                    return EnrolmentResult(tuple(takes), tuple(missed), stopped=True, crisis=True)
                if heard is not None and self._fits(heard, stopping):
                    return EnrolmentResult(tuple(takes), tuple(missed), stopped=True)
                if heard is not None and self._fits(heard, {normalize_phrase(sentence)}):
                    takes.append(Take(sentence, self.recognizer.last_audio))
                    break
            else:
                self.speaker.say(SKIP)
                missed.append(sentence)
        return EnrolmentResult(tuple(takes), tuple(missed))

    def from_recording(self, blocks: Iterable[bytes]) -> EnrolmentResult:
        """The sentences read into a recording, any order; each is taken once."""
        wanted = {normalize_phrase(s): s for s in self.sentences}
        self.recognizer.set_grammar(self.sentences)
        found: dict[str, Take] = {}
        stream = iter(blocks)
        while True:
            heard = self._next_utterance(stream, limit=None)
            if heard is None:
                break
            if heard.text not in found and self._fits(heard, set(wanted)):
                found[heard.text] = Take(wanted[heard.text], self.recognizer.last_audio)
        missed = tuple(s for key, s in wanted.items() if key not in found)
        return EnrolmentResult(tuple(found.values()), missed)

    def _next_utterance(self, stream: Iterator[bytes], limit: float | None) -> Transcript | None:
        """The next utterance; None after `limit` seconds without one, or at the stream's end
        (which sets `_ended`)."""
        waited = 0.0
        for block in stream:
            heard = self.recognizer.feed(block)
            if heard is not None:
                return heard
            waited += BLOCK_SECONDS
            if limit is not None and waited >= limit and not self.recognizer.in_utterance:
                return None
        self._ended = True
        return self.recognizer.flush()

    @staticmethod
    def _fits(heard: Transcript, sentences: set[str]) -> bool:
        return heard.text in sentences and heard.verified


def dictionary_path() -> str:
    """The bundled model's dictionary: the words bw aligns the takes with."""
    from voice_cecert.asr.sphinx_engine import bundled_model_dir

    return os.path.join(bundled_model_dir(), "cmudict-en-us.dict")


def crisis_phrases() -> list[str]:
    """What the safety net listens for (the intents file's crisis phrases): heard instead of
    a sentence, they end the enrolment (`Enrolment.prompted`)."""
    from voice_cecert.intents import grammar

    return grammar.phrases(["crisis"])


def shipped_recognizer(trailing_silence: float):
    """The recogniser takes are collected with: the model as shipped, because a voice is
    always learned from it, never on top of another."""
    from voice_cecert.asr.sphinx_engine import SphinxRecognizer

    return SphinxRecognizer(trailing_silence=trailing_silence)


def learn_and_save(result: EnrolmentResult) -> Path:
    """Learn the voice (see `learn`) and keep it as the user's; where it went."""
    from voice_cecert.asr import voice_profile
    from voice_cecert.asr.sphinx_engine import BUNDLED_MODEL_KEY

    return voice_profile.save(BUNDLED_MODEL_KEY, learn(result))


def learn(result: EnrolmentResult, min_takes: int = MIN_TAKES) -> LearnedVoice:
    """The model adapted to these takes; AdaptationError when too few were heard clearly."""
    from voice_cecert.asr import adaptation
    from voice_cecert.asr.sphinx_engine import bundled_acoustic_dir

    total = len(result.takes) + len(result.missed)
    if len(result.takes) < min_takes:
        raise adaptation.AdaptationError(
            f"only {len(result.takes)} of {total} sentences were heard clearly (at least "
            f"{min_takes} are needed), so nothing was learned; try again somewhere quieter"
        )
    return adaptation.estimate(list(result.takes), bundled_acoustic_dir(), dictionary_path())
