"""The remembered cepstral mean: a safe little store, and a real gain on a first command."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from voice_cecert import synth
from voice_cecert.asr import cepstral_mean
from voice_cecert.asr.sphinx_engine import SphinxRecognizer
from voice_cecert.audio import BLOCK_BYTES
from voice_cecert.cli import main
from voice_cecert.intents.matcher import Matcher
from voice_cecert.pipeline import SpeechToIntent

MEAN = (52.5, -0.5, 2.6, 8.8, -16.8, 5.6, -17.8, 2.2, -9.1, 6.4, -6.3, 0.1, 2.3)
VOICE = "espeak:en-us+f4"  # the development set's worst voice for a cold start
EARLIER = [  # the user's earlier session: everyday talk, none of it a command
    "I picked up coffee on the way in this morning",
    "the parking lot was full again",
    "my next appointment is at three",
]


# --------------------------------------------------------------------------- the store
def test_save_and_load_round_trip_private_file(tmp_path):
    path = tmp_path / "data" / cepstral_mean.FILE_NAME
    path.parent.mkdir()
    cepstral_mean.save("model | mic A", MEAN, path)
    cepstral_mean.save("model | mic B", [1.0] * 13, path)
    assert cepstral_mean.load("model | mic A", path) == pytest.approx(MEAN)
    assert cepstral_mean.load("model | mic B", path) == (1.0,) * 13
    assert cepstral_mean.load("model | mic C", path) is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_oldest_entries_are_dropped(tmp_path):
    path = tmp_path / cepstral_mean.FILE_NAME
    for n in range(cepstral_mean.MAX_ENTRIES + 3):
        cepstral_mean.save(f"mic {n}", [float(n)] * 13, path)
    cepstral_mean.save("mic 5", MEAN, path)  # saving again makes it the newest
    keys = list(json.loads(path.read_text()))
    assert len(keys) == cepstral_mean.MAX_ENTRIES
    assert keys[-1] == "mic 5" and "mic 0" not in keys and "mic 18" in keys


@pytest.mark.parametrize(
    "content",
    ["not json", "[1, 2]", '{"k": "text"}', '{"k": [1, "x"]}', '{"k": [true]}', '{"k": []}'],
)
def test_a_damaged_file_is_only_a_missing_hint(tmp_path, content):
    path = tmp_path / cepstral_mean.FILE_NAME
    path.write_text(content)
    assert cepstral_mean.load("k", path) is None
    cepstral_mean.save("k", MEAN, path)  # and it is replaced by a good one
    assert cepstral_mean.load("k", path) == pytest.approx(MEAN)


def test_not_a_number_is_refused(tmp_path):
    path = tmp_path / cepstral_mean.FILE_NAME
    with pytest.raises(ValueError):
        cepstral_mean.save("k", [float("nan")] * 13, path)
    assert not path.exists()


def test_recognisers_without_a_mean_are_left_alone(tmp_path):
    path = tmp_path / cepstral_mean.FILE_NAME
    assert cepstral_mean.remember(object(), "mic", path) is False
    assert cepstral_mean.restore(object(), "mic", path) is False
    assert not path.exists()


# --------------------------------------------------------------------------- pocketsphinx
def blocks(texts: list[str], voice: str = VOICE) -> list[bytes]:
    pcm = synth.to_bytes(synth.session(texts, voice, 1.0))
    pcm += b"\0" * (-len(pcm) % BLOCK_BYTES)
    return [pcm[k : k + BLOCK_BYTES] for k in range(0, len(pcm), BLOCK_BYTES)]


def heard(recognizer: SphinxRecognizer, texts: list[str]) -> list[str | None]:
    pipeline = SpeechToIntent(recognizer, Matcher(), allowed=None)
    return [r.intent.name if r.intent else None for r in pipeline.run(blocks(texts))]


def test_sphinx_mean_is_none_until_speech_then_learned():
    recognizer = SphinxRecognizer()
    assert recognizer.cepstral_mean() is None
    heard(recognizer, EARLIER[:1])
    learned = recognizer.cepstral_mean()
    assert learned is not None and len(learned) == 13
    assert learned[0] > 45  # conditioned speech sits far above the model's starting 40
    fresh = SphinxRecognizer()
    fresh.seed_cepstral_mean(learned)
    assert fresh.decoder.get_cmn(False).split(",")[0].startswith(str(int(learned[0])))
    with pytest.raises(ValueError):
        fresh.seed_cepstral_mean(learned[:3])


def test_remembered_mean_rescues_the_first_command(tmp_path):
    """Cold, this voice's first command is misheard; from the mean its earlier talk left, the
    same audio is understood. Both halves are checked, so the test fails if either changes."""
    path = tmp_path / cepstral_mean.FILE_NAME
    earlier = SphinxRecognizer()
    heard(earlier, EARLIER)
    assert cepstral_mean.remember(earlier, "laptop mic", path)
    for command, intent in [
        ("start a breathing break", "breathing"),
        ("I keep going over that session", "name-the-rumination"),
    ]:
        cold = SphinxRecognizer()
        assert heard(cold, [command]) != [intent]
        warm = SphinxRecognizer()
        assert cepstral_mean.restore(warm, "laptop mic", path)
        assert heard(warm, [command]) == [intent]


# --------------------------------------------------------------------------- the CLI
class FakeMic:
    """The microphone cannot run here: these are its blocks, from synthesised speech."""

    device_name = "Test USB headset"

    def __init__(self, texts: list[str]) -> None:
        self._blocks = blocks(texts, "flite:slt") if texts else [b"\0" * BLOCK_BYTES] * 20

    def __iter__(self):
        return iter(self._blocks)

    def close(self) -> None:
        pass


def listen_on_mic(monkeypatch, capsys, texts: list[str]) -> None:
    from voice_cecert import audio

    monkeypatch.setattr(audio, "MicSource", lambda: FakeMic(texts))
    assert main(["listen", "--continuous", "--json", "--engine", "pocketsphinx"]) == 0
    capsys.readouterr()


def saved(home: Path) -> dict:
    path = home / "data" / cepstral_mean.FILE_NAME
    return json.loads(path.read_text()) if path.exists() else {}


def test_listen_on_the_microphone_remembers_and_restores(monkeypatch, capsys, tmp_path):
    import os

    home = Path(os.environ["VOICE_CECERT_HOME"])
    listen_on_mic(monkeypatch, capsys, ["start a breathing break"])
    store = saved(home)
    key = "pocketsphinx bundled en-us | Test USB headset"
    assert list(store) == [key] and len(store[key]) == 13
    assert stat.S_IMODE((home / "data" / cepstral_mean.FILE_NAME).stat().st_mode) == 0o600

    seeded = []
    real = SphinxRecognizer.seed_cepstral_mean
    monkeypatch.setattr(
        SphinxRecognizer,
        "seed_cepstral_mean",
        lambda self, values: (seeded.append(tuple(values)), real(self, values))[1],
    )
    listen_on_mic(monkeypatch, capsys, [])  # silence only: restored, nothing new to save
    assert seeded == [pytest.approx(tuple(store[key]))]
    assert saved(home) == store


def test_setting_off_or_a_wav_file_saves_nothing(monkeypatch, capsys, tmp_path):
    import os

    home = Path(os.environ["VOICE_CECERT_HOME"])
    assert main(["config", "set", "remember_microphone", "false"]) == 0
    listen_on_mic(monkeypatch, capsys, ["start a breathing break"])
    assert saved(home) == {}
    assert main(["config", "set", "remember_microphone", "true"]) == 0
    wav = tmp_path / "command.wav"
    synth.write_wav(wav, synth.session(["start a breathing break"], "flite:slt", 1.0))
    assert main(["listen", "--wav", str(wav), "--json"]) == 0
    capsys.readouterr()
    assert saved(home) == {}


def test_the_assistant_on_the_microphone_remembers(monkeypatch, tmp_path):
    import io
    import os

    from voice_cecert import audio, launch

    home = Path(os.environ["VOICE_CECERT_HOME"])
    monkeypatch.setattr(audio, "MicSource", lambda: FakeMic(["what can I say"]))
    options = launch.LaunchOptions(
        engine="pocketsphinx", speaker="wav", out=tmp_path / "answers.wav", journal=False
    )
    assert launch.run_assistant(options, stdin=io.StringIO(""), stdout=io.StringIO()) == 0
    assert list(saved(home)) == ["pocketsphinx bundled en-us | Test USB headset"]


def test_a_mean_that_cannot_be_saved_costs_one_line_not_the_session(monkeypatch, capsys):
    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cepstral_mean, "save", full_disk)
    from voice_cecert import audio

    monkeypatch.setattr(audio, "MicSource", lambda: FakeMic(["start a breathing break"]))
    assert main(["listen", "--continuous", "--json", "--engine", "pocketsphinx"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out.splitlines()[0])["intent"] == "breathing"
    assert out.err.strip().splitlines() == [
        "voice-cecert: the microphone's settings were not saved "
        "([Errno 28] No space left on device)"
    ]
