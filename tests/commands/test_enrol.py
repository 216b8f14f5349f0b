"""`voice-cecert enrol` as a user runs it: from the microphone (faked: none here), from a WAV
file, and what the other commands then do with the learned voice."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from voice_cecert import audio, enrolment, launch, synth
from voice_cecert.asr import adaptation, voice_profile
from voice_cecert.asr.sphinx_engine import BUNDLED_MODEL_KEY
from voice_cecert.audio import BLOCK_BYTES
from voice_cecert.cli import main
from voice_cecert.config import Settings
from voice_cecert.errors import UserError

SENTENCES = enrolment.load_sentences()


@pytest.fixture(scope="module")
def reading(tmp_path_factory) -> Path:
    """Someone reading the sentences into a recorder (an espeak-ng voice)."""
    path = tmp_path_factory.mktemp("enrol") / "reading.wav"
    synth.write_wav(path, synth.session(SENTENCES, "espeak:en-us", 1.0))
    return path


def profile() -> Path:
    return voice_profile.path_for(BUNDLED_MODEL_KEY)


def test_list_prints_the_sentences(capsys):
    assert main(["enrol", "--list"]) == 0
    assert capsys.readouterr().out.splitlines() == SENTENCES


def test_from_a_recording_saves_a_private_voice_then_forget(reading, capsys):
    assert main(["enrol", "--wav", str(reading)]) == 0
    out = capsys.readouterr().out
    assert "I've learned your voice from" in out
    voice = voice_profile.load(profile())  # checked against the model's own files
    own = Path(enrolment.dictionary_path()).parent / "en-us" / "means"
    assert voice.files["means"] != own.read_bytes()
    assert stat.S_IMODE(profile().stat().st_mode) == 0o600
    assert stat.S_IMODE(profile().parent.stat().st_mode) == 0o700
    assert voice_profile.saved(BUNDLED_MODEL_KEY) == profile()

    assert main(["enrol", "--forget"]) == 0
    assert "deleted" in capsys.readouterr().out
    assert not profile().exists()
    assert main(["enrol", "--forget"]) == 0
    assert "No learned voice" in capsys.readouterr().out


def test_a_recording_of_something_else_saves_nothing(tmp_path, capsys):
    wav = tmp_path / "chat.wav"
    synth.write_wav(wav, synth.session(["is the conference room free"], "flite:slt", 1.0))
    assert main(["enrol", "--wav", str(wav)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"voice-cecert: only 0 of {len(SENTENCES)} sentences were heard clearly (at least "
        f"{enrolment.MIN_TAKES} are needed), so nothing was learned; try again somewhere quieter"
    ]
    assert not profile().exists()


def test_a_missing_file_is_one_line(tmp_path, capsys):
    assert main(["enrol", "--wav", str(tmp_path / "none.wav")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("voice-cecert: ")


def test_no_microphone_is_one_line(monkeypatch, capsys):
    def no_mic():
        raise UserError("no microphone (audio input device) was found: none. Try --wav FILE")

    monkeypatch.setattr(audio, "MicSource", no_mic)
    assert main(["enrol"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_missing_tools_are_said_before_anyone_reads(monkeypatch, capsys):
    monkeypatch.setattr(adaptation, "find_tool", lambda name: None)
    monkeypatch.setattr(audio, "MicSource", lambda: pytest.fail("the microphone was opened"))
    assert main(["enrol"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("voice-cecert: learning a voice needs CMU Sphinx's training tools: ")
    assert "sphinxtrain" in err and "sphinxbase-utils" in err and err.count("\n") == 1


class FakeMic:
    """The microphone cannot run here: after each prompt it plays the sentence just asked
    for, read by an espeak-ng voice (it knows the prompt from what the speaker printed)."""

    device_name = "Test USB headset"

    def __init__(self, prompts: list[str]) -> None:
        self.prompts = prompts
        self._pending: list[bytes] = []
        self.closed = False

    def discard_pending(self) -> None:
        self._play(self.prompts[-1].split(": ", 1)[1])

    def _play(self, text: str) -> None:
        pcm = synth.to_bytes(synth.session([text], "espeak:en-us", 1.0))
        self._pending = [pcm[k : k + BLOCK_BYTES] for k in range(0, len(pcm), BLOCK_BYTES)]

    def __iter__(self):
        while not self.closed:
            block = self._pending.pop(0) if self._pending else b""
            yield block.ljust(BLOCK_BYTES, b"\0")

    def close(self) -> None:
        self.closed = True


class Printer:
    """The text speaker's stdout: every line it printed, and the ones asking for a sentence
    (which the fake microphone answers)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.asked: list[str] = []

    def write(self, text: str) -> int:
        self.lines.extend(text.splitlines())
        self.asked.extend(line for line in text.splitlines() if line.startswith("Please say"))
        return len(text)

    def flush(self) -> None:
        pass


def test_by_ear_from_the_microphone_then_used_with_the_microphone_only(
    monkeypatch, capsys, tmp_path
):
    printer = Printer()
    mic = FakeMic(printer.asked)
    monkeypatch.setattr(audio, "MicSource", lambda: mic)
    monkeypatch.setattr(sys, "stdout", printer)
    assert main(["enrol", "--speaker", "text"]) == 0
    assert mic.closed
    assert len(printer.asked) == len(SENTENCES)
    assert voice_profile.saved(BUNDLED_MODEL_KEY) == profile()

    settings = Settings()
    live = launch.make_recognizer("pocketsphinx", None, settings, FakeMic([]))
    assert live.adapted
    wav = tmp_path / "one.wav"
    synth.write_wav(wav, synth.session(["stop"], "flite:slt", 1.0))
    assert not launch.make_recognizer("pocketsphinx", None, settings, audio.WavSource(wav)).adapted
    assert not launch.make_recognizer("pocketsphinx", None, settings, None).adapted


class CrisisMic(FakeMic):
    """Says the first sentence back, then words of crisis instead of the second."""

    def discard_pending(self) -> None:
        if len(self.prompts) < 2:
            super().discard_pending()
        else:
            self._play("I am going to hurt myself")


def test_words_of_crisis_end_it_with_the_crisis_answer(monkeypatch):
    from voice_cecert.dialogue import Messages

    printer = Printer()
    mic = CrisisMic(printer.asked)
    monkeypatch.setattr(audio, "MicSource", lambda: mic)
    monkeypatch.setattr(sys, "stdout", printer)
    assert main(["enrol", "--speaker", "text"]) == 0
    answer = printer.lines[-1]
    assert "988" in answer and Messages.load().pick("crisis_person") in answer
    assert len(printer.asked) == 2  # not asked to read on
    assert not profile().exists() and mic.closed


def test_a_damaged_profile_is_ignored_with_a_notice(capsys):
    path = profile()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert voice_profile.for_session(FakeMic([])) is None
    err = capsys.readouterr().err
    assert "damaged" in err and "voice-cecert enrol" in err and err.count("\n") == 1
    assert not launch.make_recognizer("pocketsphinx", None, Settings(), FakeMic([])).adapted


LISTENED = [  # said by the reading's voice; typed, each gives this intent
    ("concurrent narrative", "concurrent-narrative"),
    ("how did my commitments go", "accountability-check"),
    ("start a movement break", "movement-break"),
    ("remind me what my plan says", "review-plan"),
    ("volume up", "louder"),
    ("quieter", "softer"),
    ("no thank you", "no"),
    ("something for recovery", "element"),
]


def test_listen_can_use_the_learned_voice_on_a_recording(reading, tmp_path, capsys):
    import json

    parts: list = ["what can i say"]  # the warm-up utterance of a stream
    for text, _ in LISTENED:
        parts += [1.0, text]
    wav = tmp_path / "commands.wav"
    synth.write_wav(wav, synth.session(parts, "espeak:en-us", 1.0))
    assert main(["enrol", "--wav", str(reading)]) == 0
    capsys.readouterr()

    def right(*extra: str) -> int:
        assert (
            main(["listen", "--engine", "pocketsphinx", "--json", "--wav", str(wav), *extra]) == 0
        )
        got = [json.loads(line)["intent"] for line in capsys.readouterr().out.splitlines()][1:]
        return sum(g == w for g, (_, w) in zip(got, LISTENED, strict=False))

    plain, learned = right(), right("--learned-voice")
    # measured when written: 4 and 8 of 8 (a WAV alone never uses it: the first figure)
    assert learned >= plain + 3 and learned >= len(LISTENED) - 1, (plain, learned)
