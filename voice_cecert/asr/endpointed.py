"""The part every recogniser shares: endpointing, conditioning, grammar bookkeeping.

Engines subclass `EndpointedRecognizer` and implement a handful of hooks (compile a grammar,
start an utterance, decode bytes, finish an utterance with text + confidence, partial). The
base class runs the shared endpointer (`voice_cecert.vad`) so that every engine cuts
utterances identically, conditions the audio (`conditioning.py`) before the engine sees it,
and times how long the engine takes to produce its answer after the endpoint fired
(`last_decode_seconds`), which is the latency the user feels beyond the trailing silence.
"""

from __future__ import annotations

import re
import time
import unicodedata
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from voice_cecert.asr.base import Reading, Transcript
from voice_cecert.asr.conditioning import FLOOR_DB, Conditioner
from voice_cecert.audio import BLOCK_BYTES, SAMPLE_RATE
from voice_cecert.errors import UserError
from voice_cecert.vad import LOOSE, Endpointer

DEFAULT_TRAILING_SILENCE = 0.6


class UnknownWordsError(UserError):
    """Grammar words the engine cannot recognise; `words` lists them (sorted, unique).

    Engines raise this instead of dropping such words: a phrase that silently lost a word
    would be matched as something else. Callers that prefer to drop the phrases can ask
    `missing_words()` first.
    """

    def __init__(self, engine: str, words: Sequence[str]) -> None:
        self.words = tuple(sorted(set(words)))
        shown = ", ".join(repr(w) for w in self.words[:12])
        more = f" and {len(self.words) - 12} more" if len(self.words) > 12 else ""
        super().__init__(
            f"the {engine} vocabulary has no word {shown}{more}: "
            "reword or remove the phrases that use them."
        )


_SEPARATORS = re.compile(r"[-_/]+")
_SPACES = re.compile(r"\s+")


def normalize_phrase(text: str) -> str:
    """Lower case, hyphens to spaces, only letters/digits/apostrophes: the engines' word form.

    Unicode-aware, so Korean (or any script) phrases survive; "check-in" becomes "check in"
    because dictionaries list the parts, not the hyphenated form.
    """
    text = unicodedata.normalize("NFC", text).lower().replace("\u2019", "'")
    text = _SEPARATORS.sub(" ", text)
    kept = "".join(ch if ch.isalnum() or ch in "' " else " " for ch in text)
    words = [w.strip("'") for w in _SPACES.split(kept)]
    return " ".join(w for w in words if w)


def normalize_phrases(phrases: Sequence[str]) -> tuple[str, ...]:
    if isinstance(phrases, str):
        raise TypeError("set_grammar takes a list of phrases, not one string")
    cleaned = tuple(dict.fromkeys(p for p in map(normalize_phrase, phrases) if p))
    if not cleaned:
        raise UserError("the grammar has no phrases with words in them.")
    return cleaned


@dataclass(frozen=True)
class GrammarSpec:
    """What an engine compiles: the phrases, and optional filler words as a way out.

    `filler` comes from a phrase list that carries a `filler` attribute (the intents package's
    `Grammar` does): everyday words that out-of-grammar speech may be decoded as, so it is not
    forced onto a command. Specs are hashable, so engines cache compiled searches by them.
    """

    phrases: tuple[str, ...]
    filler: tuple[str, ...] = ()
    filler_weight: float = 0.3
    loose: tuple[str, ...] = ()  # for a second pass only (the intents' `Grammar.loose`)


@dataclass(frozen=True)
class SpeechSpan:
    """Where the VAD heard speech, in seconds from the first sample the engine decoded."""

    start: float
    end: float


class EndpointedRecognizer(ABC):
    name = "engine"
    # False for models that cannot constrain recognition (Transcripts then say grammar=False)
    supports_grammar = True
    # noise floor the engine's conditioner adds (dB below speech; None: gain only)
    floor_db: float | None = FLOOR_DB

    def __init__(
        self,
        *,
        trailing_silence: float = DEFAULT_TRAILING_SILENCE,
        condition: bool = True,
        max_utterance: float = 30.0,
        vad_mode: int = LOOSE,
    ) -> None:
        self.endpointer = Endpointer(
            trailing_silence=trailing_silence, max_utterance=max_utterance, mode=vad_mode
        )
        self.conditioner = Conditioner(floor_db=self.floor_db) if condition else None
        self.grammar: tuple[str, ...] | None = None
        self.grammar_spec: GrammarSpec | None = None
        self.last_decode_seconds = 0.0
        self._buffer = b""
        self._ready: deque[Transcript] = deque()
        self._utt_grammar: GrammarSpec | None = None
        self._utt_audio_start: float | None = None
        self._specs: dict[tuple, GrammarSpec] = {}  # raw phrases (+ filler) -> cleaned spec
        # Enrolment (voice_cecert/enrolment.py) needs each utterance's audio as the decoder
        # got it; nothing else does, so it is kept only when asked, in memory, one at a time.
        self.keep_audio = False
        self.last_audio = b""
        self._kept: list[bytes] = []

    # --- hooks for engines -------------------------------------------------------------------
    @abstractmethod
    def missing_words(self, phrases: Sequence[str]) -> tuple[str, ...]:
        """Words of these phrases the engine cannot recognise."""

    @abstractmethod
    def _compile_grammar(self, spec: GrammarSpec) -> None:
        """Prepare (and cache) a search for these normalised phrases; raise if impossible."""

    @abstractmethod
    def _begin(self, grammar: GrammarSpec | None) -> None:
        """Start decoding an utterance, constrained to `grammar` (None: free dictation)."""

    @abstractmethod
    def _decode(self, audio: bytes) -> None:
        """Decode more audio of the current utterance."""

    @abstractmethod
    def _finish(self, speech: SpeechSpan) -> tuple[str, float]:
        """End the utterance: (text, confidence 0..1); text '' when nothing was recognised."""

    def _verify(self) -> tuple[bool, bool, float | None]:
        """After `_finish`: does the grammar result survive the engine's out-of-grammar check?

        (verified, plausible, fit score or None); see Transcript. Engines without such a check
        keep this default.
        """
        return True, True, None

    def _second_pass(self) -> Reading | None:
        """After `_verify`: a free-text reading of a grammar utterance that failed it, if any."""
        return None

    @abstractmethod
    def _partial(self) -> str:
        """Best guess so far within the current utterance."""

    @abstractmethod
    def _abort(self) -> None:
        """Drop the current utterance without a result."""

    # --- Recognizer protocol ---------------------------------------------------------------
    @property
    def in_utterance(self) -> bool:
        return self._utt_audio_start is not None

    def set_grammar(self, phrases: Sequence[str] | None) -> None:
        """Takes effect from the next utterance (an utterance in progress keeps its grammar).

        A failed grammar (e.g. UnknownWordsError) leaves the previous one in place.
        """
        if phrases is None:
            self.grammar = self.grammar_spec = None
            return
        if isinstance(phrases, str):
            raise TypeError("set_grammar takes a list of phrases, not one string")
        filler_raw = tuple(getattr(phrases, "filler", ()) or ())
        weight = float(getattr(phrases, "filler_weight", GrammarSpec.filler_weight))
        loose_raw = tuple(getattr(phrases, "loose", ()) or ())
        raw = (tuple(phrases), filler_raw, weight, loose_raw)
        spec = self._specs.get(raw)
        if spec is None:
            filler = tuple(dict.fromkeys(w for w in map(normalize_phrase, filler_raw) if w))
            loose = normalize_phrases(loose_raw) if loose_raw else ()
            spec = GrammarSpec(normalize_phrases(raw[0]), filler, weight, loose)
        self._compile_grammar(spec)
        self._specs[raw] = spec
        while len(self._specs) > 64:
            del self._specs[next(iter(self._specs))]
        self.grammar, self.grammar_spec = spec.phrases, spec

    @abstractmethod
    def prepare(self) -> None:
        """Load what the current grammar needs now rather than at the next utterance's start
        (pocketsphinx's free-dictation LM, vosk's free recogniser): call it while the app is
        speaking, so the first words afterwards are not delayed."""

    def missing_grammar_words(self, spec: GrammarSpec) -> tuple[str, ...]:
        return self.missing_words([*spec.phrases, *spec.filler])

    def set_trailing_silence(self, seconds: float) -> None:
        self.endpointer.set_trailing_silence(seconds)

    def feed(self, block: bytes) -> Transcript | None:
        """Blocks should be BLOCK_BYTES; other sizes are regrouped (even byte counts only)."""
        if len(block) == BLOCK_BYTES and not self._buffer:
            self._step(bytes(block))
        else:
            self._buffer += bytes(block)
            while len(self._buffer) >= BLOCK_BYTES:
                frame, self._buffer = self._buffer[:BLOCK_BYTES], self._buffer[BLOCK_BYTES:]
                self._step(frame)
        return self._ready.popleft() if self._ready else None

    def partial(self) -> str:
        return self._partial() if self.in_utterance else ""

    def flush(self) -> Transcript | None:
        """End of stream. Returns the oldest transcript not yet returned, if any."""
        if self._buffer:
            self._step(
                self._buffer[: len(self._buffer) - len(self._buffer) % 2].ljust(BLOCK_BYTES, b"\0")
            )
            self._buffer = b""
        span = self.endpointer.finish()
        if span is not None and self.in_utterance:
            self._ready.append(self._end(span))
        elif self.in_utterance:
            self._abort()
            self._utt_audio_start = None
        return self._ready.popleft() if self._ready else None

    def reset(self) -> None:
        if self.in_utterance:
            self._abort()
        self._utt_audio_start = None
        self._buffer = b""
        self._ready.clear()
        self.endpointer.reset()

    # --- internals ---------------------------------------------------------------------------
    def _step(self, frame: bytes) -> None:
        step = self.endpointer.push(frame)
        if step.speech and self.conditioner is not None:
            self.conditioner.observe_speech(frame)
        if step.started is not None:
            self._utt_audio_start = self.endpointer.now - len(step.audio) / 2 / SAMPLE_RATE
            self._utt_grammar = self.grammar_spec
            self._kept = []
            if self.conditioner is not None:
                self.conditioner.start_utterance()
            self._begin(self._utt_grammar)
        if step.audio and self.in_utterance:
            audio = step.audio if self.conditioner is None else self.conditioner.process(step.audio)
            if self.keep_audio:
                self._kept.append(audio)
            self._decode(audio)
        if step.dropped and self.in_utterance:
            self._abort()
            self._utt_audio_start = None
        if step.ended is not None and self.in_utterance:
            self._ready.append(self._end(step.ended))

    def _end(self, span: tuple[float, float]) -> Transcript:
        assert self._utt_audio_start is not None
        origin = self._utt_audio_start
        self._utt_audio_start = None
        self.last_audio, self._kept = b"".join(self._kept), []
        began = time.perf_counter()
        text, confidence = self._finish(SpeechSpan(span[0] - origin, span[1] - origin))
        verified, plausible, fit = self._verify() if text else (True, True, None)
        grammar = self._utt_grammar is not None and self.supports_grammar
        second = self._second_pass() if grammar and not (text and verified) else None
        self.last_decode_seconds = time.perf_counter() - began
        return Transcript(
            text=text,
            confidence=min(1.0, max(0.0, confidence)) if text else 0.0,
            start=span[0],
            end=span[1],
            grammar=grammar,
            verified=verified,
            plausible=plausible,
            fit=fit,
            second=second,
        )
