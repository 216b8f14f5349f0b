"""The user's learned voice from inside the assistant: "learn my voice", "forget my voice".

The dialogue confirms and then asks (it sees this class as its VoiceLearner); the work runs
here, on the audio loop's thread between two utterances, because the enrolment (enrolment.py)
reads the same microphone the loop reads and nothing else may decode it meanwhile. Only a
live microphone can do it: the sentences must be heard and said back, and a learned voice is
only ever used for a live microphone (voice_profile.py).

The new voice is used from the next utterance. pocketsphinx 5 reads model files only when a
decoder is made (its Python Decoder has no way to load them later, and `reinit` would drop
every grammar and added word), so a new recogniser is built with it and
takes over, starting from the cepstral mean the enrolment settled on; forgetting the voice
does the same without it. Vosk does not use a learned voice: it is saved for the
pocketsphinx engine and the session goes on as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from voice_cecert import enrolment
from voice_cecert.asr import adaptation, voice_profile
from voice_cecert.asr.sphinx_engine import BUNDLED_MODEL_KEY
from voice_cecert.dialogue import VoiceLearned

STOP = "stop"  # said after a chime, ends the enrolment: nothing is learned


def _pocketsphinx(trailing_silence: float) -> Callable[[str | None], Any]:
    """How the session's recogniser is rebuilt with (or without) a learned voice: as
    launch.make_recognizer builds it."""

    def rebuild(saved: str | None) -> Any:
        from pathlib import Path

        from voice_cecert.asr.select import make_recognizer

        voice = voice_profile.unpack(Path(saved)) if saved else None
        return make_recognizer("pocketsphinx", trailing_silence=trailing_silence, voice=voice)

    return rebuild


class LiveVoice:
    """Learns and forgets the user's voice for one assistant run, and holds the recogniser
    the run uses (which changes when the voice does)."""

    def __init__(
        self,
        recognizer: Any = None,
        source: Any = None,
        *,
        trailing_silence: float = 0.6,
        rebuild: Callable[[str | None], Any] | None = None,
    ) -> None:
        self.recognizer = recognizer
        self.source = source
        self.trailing_silence = trailing_silence
        self._rebuild = rebuild or _pocketsphinx(trailing_silence)
        self._job: str | None = None

    # -- the dialogue's VoiceLearner ----------------------------------------------------------
    @property
    def listens(self) -> bool:
        """A live microphone and a recogniser: what saying the sentences back needs."""
        has_mic = getattr(self.source, "device_name", None) is not None
        return has_mic and self.recognizer is not None

    @property
    def serves_session(self) -> bool:
        """Whether this run's speech engine uses a learned voice (pocketsphinx; not vosk)."""
        return getattr(self.recognizer, "name", "") == "pocketsphinx"

    def missing_tools(self) -> list[str]:
        return adaptation.missing_packages()

    def has_voice(self) -> bool:
        return voice_profile.path_for(BUNDLED_MODEL_KEY).exists()

    def learn(self) -> None:
        """Ask for an enrolment; the loop runs it once the current utterance is handled."""
        self._job = "learn"

    def forget(self) -> bool:
        gone = voice_profile.forget(BUNDLED_MODEL_KEY)
        if getattr(self.recognizer, "adapted", False):
            self._job = "forget"  # back to the model as shipped from the next utterance
        return gone

    # -- the loop's side ----------------------------------------------------------------------
    @property
    def pending(self) -> bool:
        return self._job is not None

    def run(
        self,
        blocks: Iterator[bytes],
        speaker: Any,
        discard: Callable[[], None] | None,
        working: str,
    ) -> VoiceLearned | None:
        """Do what was asked. `speaker` says a line and returns when it is spoken, and waits
        for what the app is still saying (`until_quiet`); `working` is said between the last
        sentence and the learning, which takes a few seconds."""
        job, self._job = self._job, None
        if job == "forget":
            self._swap(None, self.recognizer)
            return None
        if job != "learn":
            return None
        speaker.until_quiet()
        collector = enrolment.shipped_recognizer(self.trailing_silence)
        _seed(collector, self.recognizer)
        sentences = enrolment.load_sentences()
        result = enrolment.Enrolment(collector, speaker, sentences).prompted(
            blocks, discard=discard, stop=STOP, crisis=enrolment.crisis_phrases()
        )
        taken, total = len(result.takes), len(sentences)
        if result.crisis:  # the dialogue answers it as it answers crisis words anywhere
            return VoiceLearned(taken, total, enrolment.MIN_TAKES, saved=False, crisis=True)
        if result.stopped:
            return VoiceLearned(taken, total, enrolment.MIN_TAKES, saved=False, stopped=True)
        speaker.say(working)
        try:
            path = enrolment.learn_and_save(result)
        except adaptation.AdaptationError as exc:
            problem = "" if taken < enrolment.MIN_TAKES else str(exc)
            return VoiceLearned(taken, total, enrolment.MIN_TAKES, saved=False, problem=problem)
        in_use = self.serves_session
        if in_use:
            self._swap(str(path), collector)
        return VoiceLearned(taken, total, enrolment.MIN_TAKES, saved=True, in_use=in_use)

    def _swap(self, saved: str | None, seed_from: Any) -> None:
        fresh = self._rebuild(saved)
        _seed(fresh, seed_from)
        self.recognizer = fresh

    # -- the cepstral mean kept between runs (cepstral_mean.kept_for) speaks for the recogniser
    # in use at the end, not the one the run started with
    def cepstral_mean_key(self) -> str:
        return self.recognizer.cepstral_mean_key()

    def cepstral_mean(self) -> tuple[float, ...] | None:
        return self.recognizer.cepstral_mean()

    def seed_cepstral_mean(self, values: Any) -> None:
        self.recognizer.seed_cepstral_mean(values)


def _seed(recognizer: Any, source: Any) -> None:
    """Start `recognizer` from the cepstral mean `source` has settled on (same model only)."""
    take = getattr(source, "cepstral_mean", None)
    key = getattr(source, "cepstral_mean_key", None)
    if take is None or key is None or key() != recognizer.cepstral_mean_key():
        return
    values = take()
    if values is not None:
        recognizer.seed_cepstral_mean(values)
