"""pocketsphinx 5 with its bundled US English model: works with nothing downloaded.

Grammars are built directly as finite-state grammars (`Decoder.create_fsg`) from the phrase
list, a minimal word graph with every phrase equally likely, rather than as JSGF text: no
parser, no quoting or keyword pitfalls (this pocketsphinx's JSGF parser rejects quoted
tokens), and the 7,483 sentences of the intents file load in about 0.15 s. Compiled searches
are cached per grammar, so the dialogue can switch grammar per state for free.
Free dictation uses the bundled n-gram LM, loaded on first use (the decoder without it starts
in about 0.1 s instead of 0.5 s).

Filler words (a grammar's `filler`, see `GrammarSpec`) are supported but off by default
(`use_filler=True` turns them on): with the intents file's 193 filler words as a loop beside
the commands, decoding ran at 0.28 x real time instead of 0.07, and finishing an
out-of-grammar utterance took 0.5-1.5 s (the lattice search over the loop) against under
10 ms, far over the 150 ms latency target. Commands said in grammar finish as fast either way.

Confidence. pocketsphinx gives the lattice posterior of the whole hypothesis (`get_prob()`,
already mapped out of log space by the binding; `bestpath` is on by default). That falls
with every word, so it is taken per word (geometric mean, posterior ** (1/words)). Grammar
search has a blind spot: speech outside the grammar still comes out as *some* phrase, with
the rest of the speech assigned to silence, sometimes with a posterior near 0.5. So the
result is multiplied by the coverage: the fraction of the VAD's speech time that the
hypothesis assigns to real words. On synthetic speech, in-grammar commands mostly score
0.4-0.9 and out-of-grammar sentences forced onto a short phrase under 0.3; an out-of-grammar
sentence that happens to fit a long phrase acoustically can still score high, which is why
the intent matcher keeps its own reject threshold.

Out-of-grammar check (`verify=True`, the default). A second decoder runs pocketsphinx's phone
loop (the bundled en-us-phone.lm.bin, `allphone` search, no lattice pass) on the same
conditioned audio while the grammar decoder works: the best sequence of any phones, an
unconstrained yardstick. At the end the grammar path's score is compared with the phone loop's,
per decoded frame (a log-likelihood ratio in pocketsphinx's log units). A command said in
grammar fits nearly as well as free phones; unrelated speech forced onto the nearest phrase
fits far worse. Below `VERIFY_RATIO`, when the phrase's words cover under
`VERIFY_MIN_COVERAGE` of the speech the VAD heard (long speech forced onto a short phrase; only
from `VERIFY_COVERAGE_FROM` seconds of speech), or with a per-word posterior under the
`VERIFY_MIN_CONFIDENCE` floor, the Transcript says `verified=False`. The ratio is what still
costs commands: espeak-ng voices fit the bundled model worse than flite, so some commands said
right score -28 to -36 (-30 instead of -28 saved 7 espeak-ng commands and let 36 more
out-of-domain sentences through). Measured with
scripts/bench_rejection.py (docs/BENCHMARKS.md, "Out-of-domain rejection"): the phone loop
costs about 0.03 x real time and 1-10 ms after the endpoint, where the filler-word loop cost
seconds and one-word commands. Free dictation is not checked.

Second pass (`second_pass=True`, the default). A grammar utterance that fails the check, or
gives no phrase, is decoded once more from its buffered audio with a trigram language model of
the same phrases plus the intents' loose sentences (phrase_lm.py, loader.LOOSE), which can
recombine pieces of phrases into loose talk no template holds ("my head keeps looping on that
phone call"). Its reading goes out as `Transcript.second` only when it fits the audio as well
as a verified phrase must (`VERIFY_RATIO` against the phone loop, `VERIFY_MIN_CONFIDENCE` per
word) and has at least `SECOND_PASS_MIN_WORDS` words, and the matcher scores it as free text.
It costs nothing on verified commands; on the others, one more decode after the endpoint, and
the first time per grammar, building and loading the model (about 0.1 s for the idle grammar).
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import sha1
from pathlib import Path
from tempfile import TemporaryDirectory

import pocketsphinx

from voice_cecert.asr import adaptation, phrase_lm
from voice_cecert.asr.base import Reading
from voice_cecert.asr.endpointed import (
    DEFAULT_TRAILING_SILENCE,
    EndpointedRecognizer,
    GrammarSpec,
    SpeechSpan,
    UnknownWordsError,
)
from voice_cecert.vad import LOOSE

FRAMES_PER_SECOND = 100  # pocketsphinx's default frame rate (-frate)
_ALT_PRONUNCIATION = re.compile(r"\(\d+\)$")
_NON_WORDS = {"<s>", "</s>", "<sil>"}
_LM_SEARCH = "free-dictation"
_LOAD_LOCK = threading.Lock()
_LOG_BASE = math.log(1.0001)  # pocketsphinx's logmath base: scores come out as base ** score

# Chosen on scripts/bench_rejection.py (flite slt/rms, espeak-ng en-us; 20 commands, 20
# everyday sentences each): commands said right scored above about -22 on flite but down to
# -35 on espeak, out-of-domain sentences mostly below -25. Sweeping -30..-20: -28 kept 39/40
# flite and 13/15 espeak commands; each point higher traded about one espeak command for one
# more rejected sentence.
VERIFY_RATIO = -28.0
# Long speech forced onto a short phrase, the rest decoded as silence, dilutes the per-frame
# ratio; so the phrase's words must also cover at least half the speech the VAD heard (the
# span from its first to its last speech frame, without pre-roll or hangover). Only for
# utterances with at least `VERIFY_COVERAGE_FROM` seconds of it: the rule is there for long
# speech, and under a second the VAD's span of a lone word also holds its breathy onset and
# soft release, which the decoder calls silence (flite awb/kal16 "one", "three", "eight"
# covered 0.45-0.7). Out-of-domain sentences forced onto a phrase had >= 0.87 s of speech.
#
# Raised from 0.5 to 0.6 in the second session, on scripts/bench_intents.py's development set
# (commands.yaml, ood.yaml; /tmp harness replaying its rendered audio): out-of-domain
# sentences accepted fell from 12 of 113 to 8 for the same flite commands and 3 fewer espeak-ng
# ones (of 179); 0.7 cost 5 flite commands more. Phrases that cover 0.5-0.6 of a long
# utterance were mostly the first words of a sentence ("i am going to disappear" for "I am
# going to the grocery store after work").
VERIFY_MIN_COVERAGE = 0.6
VERIFY_COVERAGE_FROM = 1.0
# Only a floor, on the per-word posterior alone. It used to be 0.2 on the confidence, which
# is that posterior times the coverage, so it counted the coverage twice; and a one-word
# answer competing with similar words ("two"/"ten"/"twenty" in the number state) has a
# posterior of 0.15-0.4 even when heard right. That rejected 17 of 539 correctly heard
# commands (numbers on flite awb/kal16/rms, "zero"/"two" on espeak) and no out-of-domain
# sentence that ratio and coverage let through (8 voices x 3 speeds, full and number
# grammars; docs/BENCHMARKS.md, "Out-of-domain rejection"). 0.1 changed nothing there.
VERIFY_MIN_CONFIDENCE = 0.1
# The safety net (crisis phrases count even unverified, see pipeline.py) stops here: a ratio
# this far below the phone loop means the phrase is a guess at unrelated speech, not a
# mishearing. On the development set the crisis phrases heard wrongly verified scored -33
# ("I'm in crisis" said by espeak-ng, kept) and the false crisis answers -47 and -30 ("I left
# my keys in the kitchen" as "i'm thinking of suicide"). Midway between the check and the
# worst: a crisis statement that fits a little worse than a command still counts.
SAFETY_NET_RATIO = -36.0
# The second pass is for loose talk, which is sentence-long; a reading of one or two words is
# the trigram model's guess at a short sound, and fuzzy scoring of a short string matches
# something. Commands that short are in the grammar anyway. On the development audio (the
# experiment harness, clean) this cost 4 right espeak-ng commands of 179 and kept 2 more
# from a wrong intent; the loose set was unchanged. A wrong control acts at once.
SECOND_PASS_MIN_WORDS = 3


# Words of this domain the bundled CMU dictionary lacks ("mindfulness", "ruminating"), with
# pronunciations in its phone set; data, so a word is added without touching code.
EXTRA_WORDS = Path(__file__).with_name("extra_words.dict")


BUNDLED_MODEL_KEY = "pocketsphinx bundled en-us"


def bundled_model_dir() -> str:
    return os.path.join(pocketsphinx.get_model_path(), "en-us")


def bundled_acoustic_dir() -> str:
    """The acoustic model's own folder (means, variances, sendump...), which a learned voice
    is adapted from and checked against."""
    return os.path.join(bundled_model_dir(), "en-us")


def extra_pronunciations() -> dict[str, str]:
    """word -> phones from EXTRA_WORDS (CMU dictionary format: a word, then its phones)."""
    found: dict[str, str] = {}
    for line in EXTRA_WORDS.read_text(encoding="utf-8").splitlines():
        word, _, phones = line.strip().partition(" ")
        if word and not word.startswith("#"):
            found[word] = phones.strip()
    return found


def add_extra_words(decoder: pocketsphinx.Decoder) -> None:
    """Teach a decoder with the bundled dictionary the EXTRA_WORDS it lacks."""
    for word, phones in extra_pronunciations().items():
        if decoder.lookup_word(word) is None:
            decoder.add_word(word, phones, False)


def _is_word(token: str) -> bool:
    return token not in _NON_WORDS and not token.startswith(("[", "+"))


Transition = tuple[int, int, float] | tuple[int, int, float, str]


@dataclass(frozen=True)
class WordGraph:
    """A finite-state grammar as `Decoder.create_fsg` takes it."""

    start: int
    final: int
    transitions: tuple[Transition, ...]


def word_graph(
    phrases: Sequence[str], filler: Sequence[str] = (), filler_weight: float = 0.3
) -> WordGraph:
    """The phrase graph, plus (when `filler` is given) a way out for everything else.

    Without a way out, a grammar decoder maps any speech onto some phrase. With filler words
    (everyday words from the intents file), speech that is not a command can come out as a
    run of filler words, which the intent matcher rejects. `filler_weight` is the prior of the
    filler path relative to 1 for the commands (the intents JSGF uses the same weighting).
    """
    final, transitions = fsg_transitions(phrases)
    words = list(dict.fromkeys(filler))
    if not words:
        return WordGraph(0, final, tuple(transitions))
    start, loop = final + 1, final + 2
    into_commands = 1.0 / (1.0 + filler_weight)
    arcs: list[Transition] = [*transitions, (start, 0, into_commands)]
    for word in words:
        arcs.append((start, loop, (1.0 - into_commands) / len(words), word))
        arcs.append((loop, loop, 0.5 / len(words), word))
    arcs.append((loop, final, 0.5))
    return WordGraph(start, final, tuple(arcs))


def fsg_transitions(phrases: Sequence[str]) -> tuple[int, list[Transition]]:
    """The smallest word graph accepting exactly the phrases, each phrase equally likely.

    Intents files expand to thousands of sentences sharing beginnings and endings ("start a
    feelings check in", "start an emotion check in"). A plain prefix tree of 7,500 sentences
    has 12,000 states and pocketsphinx takes over a second to load it; merging states with
    the same continuations (a minimal acyclic automaton) shrinks it to a few hundred.
    Equivalent states have the same number of completions, so giving each arc the share of
    completions behind it still weights every phrase equally.

    Returns (final_state, transitions); state 0 is the start. Accepting states reach the final
    state by an epsilon transition, which is how a phrase that is a prefix of another works.
    """
    # 1. prefix tree
    children: list[dict[str, int]] = [{}]
    accepting: list[bool] = [False]
    for phrase in phrases:
        state = 0
        for word in phrase.split():
            nxt = children[state].get(word)
            if nxt is None:
                nxt = len(children)
                children[state][word] = nxt
                children.append({})
                accepting.append(False)
            state = nxt
        accepting[state] = True
    # 2. merge equivalent states, deepest first (children always have larger ids than parents)
    canonical = list(range(len(children)))
    registry: dict[tuple, int] = {}
    for state in range(len(children) - 1, -1, -1):
        arcs = tuple(sorted((w, canonical[c]) for w, c in children[state].items()))
        signature = (accepting[state], arcs)
        canonical[state] = registry.setdefault(signature, state)
    # 3. renumber the surviving states from 0 and count completions bottom-up
    keep = sorted({canonical[s] for s in range(len(children))})
    number = {old: new for new, old in enumerate(keep)}
    completions: dict[int, int] = {}
    for old in reversed(keep):
        completions[old] = int(accepting[old]) + sum(
            completions[canonical[c]] for c in children[old].values()
        )
    final = len(keep)
    transitions: list[Transition] = []
    for old in keep:
        total = completions[old]
        for word, child in children[old].items():
            target = canonical[child]
            transitions.append((number[old], number[target], completions[target] / total, word))
        if accepting[old]:
            transitions.append((number[old], final, 1 / total))
    return final, transitions


def _per_frame_ratio(decoder: pocketsphinx.Decoder, phones: pocketsphinx.Decoder) -> float | None:
    """(decoder's path score - phone loop's) per frame of the last utterance, or None.

    The binding hands scores out of log space (base 1.0001 ** score); their logs are taken
    back here. None when either decoder has no hypothesis or a score underflowed.
    """
    best, loop, frames = decoder.hyp(), phones.hyp(), decoder.n_frames()
    if best is None or loop is None or frames <= 0:
        return None
    if best.best_score <= 0.0 or loop.best_score <= 0.0:
        return None
    return (math.log(best.best_score) - math.log(loop.best_score)) / _LOG_BASE / frames


class SphinxRecognizer(EndpointedRecognizer):
    name = "pocketsphinx"
    MAX_CACHED_GRAMMARS = 32

    def __init__(
        self,
        *,
        trailing_silence: float = DEFAULT_TRAILING_SILENCE,
        condition: bool = True,
        max_utterance: float = 30.0,
        vad_mode: int = LOOSE,
        hmm: str | None = None,
        dictionary: str | None = None,
        lm: str | None = None,
        use_filler: bool = False,
        verify: bool = True,
        second_pass: bool = True,
        voice: str | None = None,
    ) -> None:
        super().__init__(
            trailing_silence=trailing_silence,
            condition=condition,
            max_utterance=max_utterance,
            vad_mode=vad_mode,
        )
        model = bundled_model_dir()
        self._lm_path = lm or os.path.join(model, "en-us.lm.bin")
        options: dict[str, object] = {"lm": None, "loglevel": "FATAL"}
        if hmm:
            options["hmm"] = hmm
        if dictionary:
            options["dict"] = dictionary
        if voice:  # the learned voice (voice_profile.py); every decoder below shares it
            options.update(adaptation.decoder_options(voice))
        self.adapted = bool(voice)
        self.decoder = pocketsphinx.Decoder(**options)
        if not dictionary:
            add_extra_words(self.decoder)
        self.verify = verify
        self._phones: pocketsphinx.Decoder | None = None
        if verify:
            phone_lm = os.path.join(os.path.dirname(model), "en-us-phone.lm.bin")
            # bestpath off: the phone loop's Viterbi score is all the check needs, and the
            # lattice pass would cost time after the endpoint
            self._phones = pocketsphinx.Decoder(
                **{**options, "allphone": phone_lm, "bestpath": False}
            )
        self._phones_running = False
        self._checked = False
        self.second_pass = second_pass and verify  # it is judged by the same check
        self._utt_chunks: list[bytes] | None = None  # conditioned audio, for the second pass
        self._phrase_lms: OrderedDict[GrammarSpec, str] = OrderedDict()  # grammar -> LM search
        self._reader: pocketsphinx.Decoder | None = None  # second-pass decoder, made on first use
        self._reader_search: str | None = None
        self._options = options
        self._last_posterior = self._last_coverage = self._last_speech_seconds = 0.0
        self._searches: OrderedDict[GrammarSpec, str] = OrderedDict()  # grammar -> search name
        self._active: str | None = None
        self._lm_loaded = False
        self.use_filler = use_filler
        self._model_key = f"pocketsphinx {hmm}" if hmm else BUNDLED_MODEL_KEY
        self._heard = 0  # utterances decoded: the cepstral mean is only worth saving after some

    # --- the cepstral mean, remembered between runs (see cepstral_mean.py) -----------------
    def cepstral_mean_key(self) -> str:
        return self._model_key

    def cepstral_mean(self) -> tuple[float, ...] | None:
        """The running mean the decoder has settled on, or None before it heard anything."""
        if not self._heard:
            return None
        return self._current_mean()

    def _current_mean(self) -> tuple[float, ...]:
        return tuple(float(v) for v in self.decoder.get_cmn(False).split(","))

    def seed_cepstral_mean(self, values: Sequence[float]) -> None:
        """Start both decoders (grammar and phone loop hear the same audio) from this mean."""
        size = len(self._current_mean())
        if len(values) != size or not all(math.isfinite(v) for v in values):
            raise ValueError(f"a cepstral mean for this model has {size} finite values")
        text = ",".join(f"{v:.5f}" for v in values)
        self.decoder.set_cmn(text)
        if self._phones is not None:
            self._phones.set_cmn(text)

    # --- vocabulary and grammars -----------------------------------------------------------
    def missing_words(self, phrases: Sequence[str]) -> tuple[str, ...]:
        words = {w for p in phrases for w in p.split()}
        return tuple(sorted(w for w in words if self.decoder.lookup_word(w) is None))

    def _compile_grammar(self, spec: GrammarSpec) -> None:
        if spec in self._searches:
            self._searches.move_to_end(spec)
            return
        filler = spec.filler if self.use_filler else ()
        missing = self.missing_words([*spec.phrases, *filler])
        if missing:
            raise UnknownWordsError(self.name, missing)
        name = "grammar-" + sha1(repr(spec).encode()).hexdigest()[:16]
        graph = word_graph(spec.phrases, filler, spec.filler_weight)
        fsg = self.decoder.create_fsg(name, graph.start, graph.final, list(graph.transitions))
        self.decoder.add_fsg(name, fsg)  # raises RuntimeError on failure in pocketsphinx 5
        self._searches[spec] = name
        while len(self._searches) > self.MAX_CACHED_GRAMMARS:
            old_key, old_name = next(iter(self._searches.items()))
            if old_name == self._active:
                self._searches.move_to_end(old_key)
                continue
            del self._searches[old_key]
            self.decoder.remove_search(old_name)

    def _search_for(self, grammar: GrammarSpec | None) -> str:
        if grammar is None:
            if not self._lm_loaded:
                with _LOAD_LOCK:
                    self.decoder.add_lm_file(_LM_SEARCH, self._lm_path)
                self._lm_loaded = True
            return _LM_SEARCH
        if grammar not in self._searches:
            self._compile_grammar(grammar)
        return self._searches[grammar]

    def prepare(self) -> None:
        """Load what the current grammar needs now, instead of at the first utterance."""
        self._search_for(self.grammar_spec)

    # --- utterance hooks -------------------------------------------------------------------
    def _begin(self, grammar: GrammarSpec | None) -> None:
        search = self._search_for(grammar)
        if search != self._active:
            self.decoder.activate_search(search)
            self._active = search
        self.decoder.start_utt()
        if self._phones is not None and grammar is not None:
            self._phones.start_utt()
            self._phones_running = True
        self._utt_chunks = [] if self.second_pass and grammar is not None else None

    def _decode(self, audio: bytes) -> None:
        if self._utt_chunks is not None:
            self._utt_chunks.append(audio)
        self.decoder.process_raw(audio, False, False)
        if self._phones_running:
            assert self._phones is not None
            self._phones.process_raw(audio, False, False)

    def _partial(self) -> str:
        hyp = self.decoder.hyp()
        return hyp.hypstr if hyp is not None else ""

    def _abort(self) -> None:
        self.decoder.end_utt()
        self._stop_phones()
        self._utt_chunks = None

    def _stop_phones(self) -> None:
        if self._phones_running:
            assert self._phones is not None
            self._phones.end_utt()
            self._phones_running = False

    def _finish(self, speech: SpeechSpan) -> tuple[str, float]:
        self.decoder.end_utt()
        self._heard += 1
        self._checked = self._phones_running
        self._stop_phones()
        hyp = self.decoder.hyp()
        if hyp is None or not hyp.hypstr.strip():
            return "", 0.0
        words = [_ALT_PRONUNCIATION.sub("", w) for w in hyp.hypstr.split()]
        posterior = max(0.0, min(1.0, float(self.decoder.get_prob())))
        per_word = posterior ** (1.0 / len(words))
        self._last_coverage = self._coverage(speech)
        self._last_speech_seconds = speech.end - speech.start
        self._last_posterior = per_word
        return " ".join(words), per_word * self._last_coverage

    def _verify(self) -> tuple[bool, bool, float | None]:
        """Grammar path against the phone loop, per frame; see the module docstring."""
        if not self._checked or self._phones is None:
            return True, True, None
        ratio = self.fit_ratio()
        if ratio is None:
            return True, True, None
        verified = (
            ratio >= VERIFY_RATIO
            and (
                self._last_coverage >= VERIFY_MIN_COVERAGE
                or self._last_speech_seconds < VERIFY_COVERAGE_FROM
            )
            and self._last_posterior >= VERIFY_MIN_CONFIDENCE
        )
        return verified, verified or ratio >= SAFETY_NET_RATIO, round(ratio, 2)

    def fit_ratio(self) -> float | None:
        """The grammar path against the phone loop for the last utterance (_per_frame_ratio)."""
        assert self._phones is not None
        return _per_frame_ratio(self.decoder, self._phones)

    def _second_pass(self) -> Reading | None:
        """The phrases' trigram model over the utterance's audio; see the module docstring.

        A decoder of its own: re-decoding on the grammar decoder left its running cepstral
        mean counting the utterance twice, which changed how the next utterances fit.
        """
        chunks, self._utt_chunks = self._utt_chunks, None
        spec = self._utt_grammar
        if not chunks or spec is None or not self._checked or self._phones is None:
            return None
        reader = self._reader_for(spec)
        reader.set_cmn(self.decoder.get_cmn(False))
        reader.start_utt()
        reader.process_raw(b"".join(chunks), False, True)
        reader.end_utt()
        ratio = _per_frame_ratio(reader, self._phones)
        hyp = reader.hyp()
        words = [_ALT_PRONUNCIATION.sub("", w) for w in (hyp.hypstr if hyp else "").split()]
        if ratio is None or ratio < VERIFY_RATIO or len(words) < SECOND_PASS_MIN_WORDS:
            return None
        posterior = max(0.0, min(1.0, float(reader.get_prob()))) ** (1.0 / len(words))
        if posterior < VERIFY_MIN_CONFIDENCE:  # "lunch" was read as "i want to" at 0.03
            return None
        return Reading(" ".join(words), posterior, round(ratio, 2))

    def _reader_for(self, spec: GrammarSpec) -> pocketsphinx.Decoder:
        """The second-pass decoder, with the phrases' model active.

        Its dictionary holds only the grammars' words (pronounced as the grammar decoder
        would): with the full 134,000-word dictionary each language model search took
        about 20 MB and 0.4 s to load, with the grammars' words about 5 MB and 10 ms.
        """
        name = self._phrase_lms.get(spec)
        if name is None:
            name = self._load_phrase_lm(spec)
        reader = self._reader
        assert reader is not None
        while len(self._phrase_lms) > self.MAX_CACHED_GRAMMARS:
            _, old = self._phrase_lms.popitem(last=False)
            reader.remove_search(old)
            if self._reader_search == old:
                self._reader_search = None
        self._phrase_lms.move_to_end(spec)
        if self._reader_search != name:  # current_search() crashes before any is active
            reader.activate_search(name)
            self._reader_search = name
        return reader

    def _load_phrase_lm(self, spec: GrammarSpec) -> str:
        """Build the phrases' model and add it (and any new words) to the second-pass decoder.

        The model also holds the grammar's loose sentences (GrammarSpec.loose) whose words the
        dictionary knows: loose talk is what this pass is for.
        """
        unknown = set(self.missing_words(spec.loose))
        known = [p for p in spec.loose if unknown.isdisjoint(p.split())]
        phrases = [*spec.phrases, *known]
        words = sorted({w for phrase in phrases for w in phrase.split()})
        with TemporaryDirectory(prefix="voice-cecert-") as folder:
            if self._reader is None:
                path = os.path.join(folder, "words.dict")
                with open(path, "w", encoding="utf-8") as out:
                    for word in words:
                        out.write(f"{word} {self.decoder.lookup_word(word)}\n")
                self._reader = pocketsphinx.Decoder(**{**self._options, "dict": path})
            reader = self._reader
            for word in words:
                if reader.lookup_word(word) is None:
                    reader.add_word(word, self.decoder.lookup_word(word), False)
            name = "phrases-lm-" + sha1(repr(spec).encode()).hexdigest()[:16]
            path = os.path.join(folder, "phrases.arpa")
            phrase_lm.write_arpa(phrases, path)
            with _LOAD_LOCK:
                reader.add_lm_file(name, path)
        self._phrase_lms[spec] = name
        return name

    def _coverage(self, speech: SpeechSpan) -> float:
        """Fraction of the VAD speech span the hypothesis fills with words (not silence)."""
        first = speech.start * FRAMES_PER_SECOND
        last = speech.end * FRAMES_PER_SECOND
        if last <= first:
            return 0.0
        covered = 0.0
        for seg in self.decoder.seg():
            if not _is_word(seg.word):
                continue
            lo, hi = max(first, seg.start_frame), min(last, seg.end_frame + 1)
            covered += max(0.0, hi - lo)
        return min(1.0, covered / (last - first))
