"""Speech to intent: audio blocks -> recogniser -> matcher, one result per utterance.

The `listen` command, the dialogue's tests and the benchmarks all need the same wiring: the
recogniser constrained to the grammar of the intents allowed right now, and each transcript
matched against those same intents. Keeping it here means they measure what the app does.

A grammar-constrained transcript is matched strictly (template matches only): the recogniser
can only say phrases of the grammar or filler, so anything else is a decoder that never
completed a phrase, and guessing from it is how unrelated speech turns into a routine.
A grammar transcript the engine could not verify (`Transcript.verified` False: the phrase fits
the audio far worse than unconstrained phones, see sphinx_engine) is rejected too, except for
the intents file's `always` intents (crisis): a missed crisis costs more than a false one.
Even they stop where the engine calls the phrase implausible (`Transcript.plausible`: a fit
so far off that the phrase is a guess at everyday talk, "I left my keys in the kitchen" heard
as a crisis statement).
When that leaves nothing and the engine read the utterance a second time as free text
(`Transcript.second`: loose talk no phrase holds, fitting the audio as well as a verified
phrase must), the second reading is matched as free text, with the fuzzy pass; the result
then reports that reading as its transcript.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from voice_cecert.asr.base import Recognizer, Transcript
from voice_cecert.intents.grammar import build_grammar
from voice_cecert.intents.matcher import Matcher
from voice_cecert.intents.types import Intent


@dataclass(frozen=True)
class UtteranceResult:
    """What one utterance was heard as and understood to mean, with how long each took.

    `decode_seconds`: engine time after the endpoint fired (what the user waits for beyond
    the trailing silence); `match_seconds`: intent matching time.
    """

    transcript: Transcript
    intent: Intent | None
    decode_seconds: float
    match_seconds: float

    @property
    def text(self) -> str:
        return self.transcript.text

    def to_json(self) -> dict[str, Any]:
        """The `listen --json` record (stable keys; intent/routine null when not understood)."""
        intent = self.intent
        return {
            "text": self.transcript.text,
            "intent": intent.name if intent else None,
            "routine": intent.routine if intent else None,
            "slots": dict(intent.slots) if intent else {},
            "score": intent.score if intent else 0.0,
            "exact": intent.exact if intent else False,
            "alternatives": [list(a) for a in intent.alternatives] if intent else [],
            "confidence": round(self.transcript.confidence, 3),
            "verified": self.transcript.verified,
            "fit": self.transcript.fit,
            "plausible": self.transcript.plausible,
            "start": round(self.transcript.start, 3),
            "end": round(self.transcript.end, 3),
            "decode_seconds": round(self.decode_seconds, 4),
            "match_seconds": round(self.match_seconds, 4),
        }


def trusted(transcript: Transcript) -> bool:
    """Whether the words can be taken at face value: free dictation always (nothing forced
    it onto a phrase), a grammar result only when the engine verified it."""
    return transcript.verified or not transcript.grammar


class SpeechToIntent:
    """Feeds blocks to a recogniser and matches each finished utterance.

    `allowed` (intent or group names; None for all) sets both the recogniser grammar and the
    matcher's choice; `grammar=False` leaves the recogniser in free dictation and matches
    fuzzily. `min_confidence` drops transcripts the engine itself doubts. `filler` turns the
    engine's filler-word path on or off where the engine makes it optional (pocketsphinx:
    off by default for latency); None keeps the engine's choice.
    """

    def __init__(
        self,
        recognizer: Recognizer,
        matcher: Matcher | None = None,
        allowed: Iterable[str] | None = None,
        *,
        grammar: bool = True,
        min_confidence: float = 0.0,
        filler: bool | None = None,
    ) -> None:
        self.recognizer = recognizer
        if filler is not None and hasattr(recognizer, "use_filler"):
            recognizer.use_filler = filler  # read when a grammar is compiled
        self.matcher = matcher if matcher is not None else Matcher()
        self.use_grammar = grammar and getattr(recognizer, "supports_grammar", True)
        self.min_confidence = min_confidence
        self.allowed: frozenset[str] = frozenset()
        self.set_allowed(allowed)

    def set_allowed(self, allowed: Iterable[str] | None) -> None:
        """Switch dialogue state: takes effect from the next utterance."""
        self.allowed = self.matcher.intents.resolve(allowed)
        if self.use_grammar:
            self.recognizer.set_grammar(build_grammar(self.allowed, self.matcher.intents))
        else:
            self.recognizer.set_grammar(None)

    def feed(self, block: bytes) -> UtteranceResult | None:
        return self._result(self.recognizer.feed(block))

    def flush(self) -> UtteranceResult | None:
        return self._result(self.recognizer.flush())

    def run(self, blocks: Iterable[bytes]) -> Iterator[UtteranceResult]:
        """Every utterance of a stream, in order, including one cut off by its end."""
        for block in blocks:
            result = self.feed(block)
            if result is not None:
                yield result
        while (result := self.flush()) is not None:
            yield result

    def match(self, transcript: Transcript) -> Intent | None:
        return self.understand(transcript)[1]

    def understand(self, transcript: Transcript) -> tuple[Transcript, Intent | None]:
        """The intent, and the transcript it came from (the second reading when that was it)."""
        intent = self._match_one(transcript)
        second = transcript.second
        if intent is None and second is not None and self.use_grammar:
            reread = replace(
                transcript,
                text=second.text,
                confidence=second.confidence,
                grammar=False,
                verified=True,
                fit=second.fit,
                second=None,
            )
            again = self._match_one(reread)
            if again is not None:
                return reread, again
        return transcript, intent

    def _match_one(self, transcript: Transcript) -> Intent | None:
        if not transcript.text or transcript.confidence < self.min_confidence:
            return None
        strict = transcript.grammar and self.use_grammar
        return self.matcher.match(
            transcript.text,
            self.allowed,
            fuzzy=not strict,
            verified=trusted(transcript),
            safety_net=transcript.plausible,
        )

    def _result(self, transcript: Transcript | None) -> UtteranceResult | None:
        if transcript is None:
            return None
        began = time.perf_counter()
        transcript, intent = self.understand(transcript)
        return UtteranceResult(
            transcript=transcript,
            intent=intent,
            decode_seconds=float(getattr(self.recognizer, "last_decode_seconds", 0.0)),
            match_seconds=time.perf_counter() - began,
        )
