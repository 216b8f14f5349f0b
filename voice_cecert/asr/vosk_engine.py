"""Vosk (Kaldi) engine, used when a vosk model is installed (see models/README.md).

Grammars. A phrase list handed to vosk is compiled into a small bigram-style graph, which has
two known traps, both handled here:

- Words missing from the model's vocabulary are dropped with only a log warning, so a phrase
  could silently lose a word. Every grammar word is checked with the model's own lookup
  (`vosk_model_find_word`, which works for models with and without a words.txt) and missing
  ones raise `UnknownWordsError`.
- Speech outside the grammar is still forced onto grammar words, often with word confidence
  1.0. When the model knows "[unk]", it is added to every grammar as an escape: results with
  "[unk]" keep only their known words and the confidence is scaled by the fraction of known
  words (so "[unk] [unk] stop" comes out as "stop" at a third of its confidence). Models
  without "[unk]" (the Korean test model, for instance) have no such escape; what remains is
  the mean word confidence, which for forced matches is often still high. One more signal
  is cheap and model-independent: the compiled graph lets words of different phrases chain
  ("호흡 시작 안녕하세요" from three phrases), which real in-grammar speech rarely produces,
  so a result that is not exactly one of the phrases has its confidence halved
  (`OFF_LIST_PENALTY`); the intent matcher can still fuzzy-match it.

A recogniser is created per grammar (about 1 ms each) and kept in a small cache, so switching
grammar per dialogue state costs nothing; the free-dictation recogniser is made on first use.
Models that only ship a static graph (HCLG.fst, the big server models) cannot take runtime
grammars at all; for those every utterance is free dictation and Transcripts say so
(`grammar=False`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path

import vosk

from voice_cecert.asr.endpointed import (
    DEFAULT_TRAILING_SILENCE,
    EndpointedRecognizer,
    GrammarSpec,
    SpeechSpan,
    UnknownWordsError,
)
from voice_cecert.audio import SAMPLE_RATE
from voice_cecert.errors import UserError
from voice_cecert.vad import LOOSE

UNK = "[unk]"
OFF_LIST_PENALTY = 0.5
_MODELS: dict[str, vosk.Model] = {}
_MODELS_LOCK = threading.Lock()


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Kaldi writes errors straight to file descriptor 2; hide them while loading.

    Failures still surface: vosk raises, and we turn that into one readable line.
    """
    sys.stderr.flush()  # what Python already wrote goes out before fd 2 is redirected
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def load_model(path: str | Path) -> vosk.Model:
    """Load (once per process) the vosk model in `path`; UserError if it cannot be used."""
    folder = Path(path).expanduser().resolve()
    key = str(folder)
    with _MODELS_LOCK:
        if key in _MODELS:
            return _MODELS[key]
        if not folder.is_dir():
            raise UserError(f"no vosk model folder at {folder}; see models/README.md.")
        vosk.SetLogLevel(-2)  # no LOG or WARNING chatter on the user's terminal
        try:
            with quiet_stderr():
                model = vosk.Model(key)
        except Exception:
            raise UserError(
                f"the vosk model in {folder} could not be loaded (incomplete or damaged?); "
                "download it again, see models/README.md."
            ) from None
        _MODELS[key] = model
        return model


def supports_runtime_grammar(folder: Path) -> bool:
    """Lookahead models (HCLr.fst + Gr.fst) accept phrase lists; static HCLG models do not."""
    graph = folder / "graph"
    return (graph / "HCLr.fst").exists() and (graph / "Gr.fst").exists()


class VoskRecognizer(EndpointedRecognizer):
    name = "vosk"
    MAX_CACHED_GRAMMARS = 16

    def __init__(
        self,
        model_path: str | Path,
        *,
        trailing_silence: float = DEFAULT_TRAILING_SILENCE,
        condition: bool = True,
        max_utterance: float = 30.0,
        vad_mode: int = LOOSE,
    ) -> None:
        super().__init__(
            trailing_silence=trailing_silence,
            condition=condition,
            max_utterance=max_utterance,
            vad_mode=vad_mode,
        )
        self.model_path = Path(model_path).expanduser().resolve()
        self.model = load_model(self.model_path)
        self.supports_grammar = supports_runtime_grammar(self.model_path)
        self.has_unk = self.model.vosk_model_find_word(UNK) >= 0
        self._recognizers: OrderedDict[GrammarSpec, vosk.KaldiRecognizer] = OrderedDict()
        self._free: vosk.KaldiRecognizer | None = None
        self._current: vosk.KaldiRecognizer | None = None
        self._segments: list[dict] = []

    # --- vocabulary and grammars -----------------------------------------------------------
    def missing_words(self, phrases: Sequence[str]) -> tuple[str, ...]:
        words = {w for p in phrases for w in p.split()}
        return tuple(sorted(w for w in words if self.model.vosk_model_find_word(w) < 0))

    def grammar_json(self, spec: GrammarSpec) -> str:
        """Phrases, then each filler word as a phrase of its own, then "[unk]" if known.

        ensure_ascii=False matters: vosk does not decode \\u escapes, so escaped non-ASCII
        phrases (Korean, accented words) would silently match nothing.
        """
        words = [*spec.phrases, *(w for w in spec.filler if w not in spec.phrases)]
        return json.dumps([*words, UNK] if self.has_unk else words, ensure_ascii=False)

    def _compile_grammar(self, spec: GrammarSpec) -> None:
        if not self.supports_grammar:
            return
        if spec in self._recognizers:
            self._recognizers.move_to_end(spec)
            return
        missing = self.missing_grammar_words(spec)
        if missing:
            raise UnknownWordsError(self.name, missing)
        self._recognizers[spec] = self._new_recognizer(self.grammar_json(spec))
        while len(self._recognizers) > self.MAX_CACHED_GRAMMARS:
            oldest = next(iter(self._recognizers))
            if self._recognizers[oldest] is self._current:
                self._recognizers.move_to_end(oldest)
                continue
            del self._recognizers[oldest]

    def _new_recognizer(self, grammar: str | None) -> vosk.KaldiRecognizer:
        with quiet_stderr():
            if grammar is None:
                recognizer = vosk.KaldiRecognizer(self.model, float(SAMPLE_RATE))
            else:
                recognizer = vosk.KaldiRecognizer(self.model, float(SAMPLE_RATE), grammar)
        recognizer.SetWords(True)
        return recognizer

    def _recognizer_for(self, grammar: GrammarSpec | None) -> vosk.KaldiRecognizer:
        if grammar is None or not self.supports_grammar:
            if self._free is None:
                self._free = self._new_recognizer(None)
            return self._free
        if grammar not in self._recognizers:
            self._compile_grammar(grammar)
        return self._recognizers[grammar]

    def prepare(self) -> None:
        self._recognizer_for(self.grammar_spec)

    def _is_grammar_result(self, grammar: GrammarSpec | None) -> bool:
        return grammar is not None and self.supports_grammar

    # --- utterance hooks -------------------------------------------------------------------
    def _begin(self, grammar: GrammarSpec | None) -> None:
        self._current = self._recognizer_for(grammar)
        self._current.Reset()
        self._segments = []

    def _decode(self, audio: bytes) -> None:
        assert self._current is not None
        if self._current.AcceptWaveform(audio):
            # vosk's own endpointer closed a segment inside our utterance; keep it
            self._segments.append(json.loads(self._current.Result()))

    def _partial(self) -> str:
        assert self._current is not None
        done = [parse_result(s)[0] for s in self._segments]
        now = json.loads(self._current.PartialResult()).get("partial", "")
        return " ".join(t for t in [*done, now] if t)

    def _abort(self) -> None:
        if self._current is not None:
            self._current.Reset()
        self._segments = []

    def _finish(self, speech: SpeechSpan) -> tuple[str, float]:
        assert self._current is not None
        self._segments.append(json.loads(self._current.FinalResult()))
        words: list[dict] = [w for s in self._segments for w in s.get("result", [])]
        text_only = " ".join(s.get("text", "") for s in self._segments).split()
        self._segments = []
        text, confidence = score_words(words, text_only)
        grammar = self._utt_grammar if self._is_grammar_result(self._utt_grammar) else None
        if text and grammar is not None and text not in grammar.phrases:
            confidence *= OFF_LIST_PENALTY
        return text, confidence


def parse_result(result: dict) -> tuple[str, float]:
    """(text, confidence) of one vosk Result/FinalResult JSON object."""
    return score_words(result.get("result", []), result.get("text", "").split())


def score_words(words: list[dict], text_words: list[str]) -> tuple[str, float]:
    """Text without "[unk]"; confidence = mean word confidence x share of known words.

    `text_words` is used when word details are missing (SetWords off), with confidence 1.0
    per known word, since vosk gives nothing better then.
    """
    if words:
        tokens = [(str(w.get("word", "")), float(w.get("conf", 1.0))) for w in words]
    else:
        tokens = [(t, 1.0) for t in text_words]
    tokens = [(t, c) for t, c in tokens if t]
    known = [(t, c) for t, c in tokens if t != UNK]
    if not known:
        return "", 0.0
    mean = sum(c for _, c in known) / len(known)
    return " ".join(t for t, _ in known), mean * len(known) / len(tokens)
