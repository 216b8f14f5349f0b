"""Learning a voice with CMU's tools: the model files they need, the adapted files they give,
how those are kept, and a real gain for a voice the bundled model fits poorly."""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from voice_cecert import enrolment, synth
from voice_cecert.asr import adaptation, voice_profile
from voice_cecert.asr.sphinx_engine import BUNDLED_MODEL_KEY, SphinxRecognizer, bundled_model_dir
from voice_cecert.audio import blocks_from_array
from voice_cecert.intents.matcher import Matcher
from voice_cecert.pipeline import SpeechToIntent

ACOUSTIC = os.path.join(bundled_model_dir(), "en-us")
SILENT_HELLO = adaptation.Take("hello", b"\0" * 3200)
VOICE = "espeak:en-us+f4"  # the development set's worst voice
COMMANDS = [  # said by VOICE; typed, each gives the intent the test expects
    "start a breathing break",
    "I keep going over that session",
    "help me breathe",
    "I need a minute before my next client",
    "what can I say",
    "pause",
    "stop",
    "slower please",
    "I feel overwhelmed",
    "ground me",
    "repeat that",
    "check in on my feelings",
    "go back",
    "I want to work on my narrative",
    "give me a mindful moment",
]


@pytest.fixture(scope="module")
def learned() -> adaptation.LearnedVoice:
    sentences = enrolment.load_sentences()
    audio = synth.session(sentences, VOICE, 1.0)
    session = enrolment.Enrolment(SphinxRecognizer(), None, sentences)
    return enrolment.learn(session.from_recording(blocks_from_array(audio)))


def own_files() -> adaptation.LearnedVoice:
    return adaptation.LearnedVoice(
        {name: (Path(ACOUSTIC) / name).read_bytes() for name in adaptation.ADAPTED}
    )


def test_the_tools_are_installed_by_setup():
    assert adaptation.missing_packages() == []


def test_mixture_weights_expanded_from_the_bundled_sendump():
    weights = adaptation._mixture_weights(Path(ACOUSTIC) / "sendump")
    assert weights.shape == (5126, 3, 128)  # senones x streams x codewords (the mdef's 5126)
    assert np.all(weights > 0)
    assert np.allclose(weights.sum(axis=2), 1.0)


def test_mixture_weights_file_has_the_sphinx_header(tmp_path):
    weights = np.full((2, 3, 4), 0.25)
    adaptation._write_mixture_weights(weights, tmp_path / "mw")
    data = (tmp_path / "mw").read_bytes()
    header_end = data.index(b"endhdr\n") + len(b"endhdr\n")
    assert data.startswith(b"s3\n") and header_end % 4 == 0
    counts = np.frombuffer(data[header_end + 4 : header_end + 20], "=u4")
    assert list(counts) == [2, 3, 4, 24]
    assert np.allclose(np.frombuffer(data[header_end + 20 :], "=f4"), 0.25)


def test_the_learned_voice_fits_the_model_and_has_moved(learned):
    adaptation.check(learned, ACOUSTIC)
    for name in ("means", "variances", "sendump"):
        assert learned.files[name] != (Path(ACOUSTIC) / name).read_bytes(), name


@pytest.mark.parametrize("damage", ["missing", "short", "header"])
def test_check_rejects_files_that_do_not_fit_the_model(damage):
    files = dict(own_files().files)
    if damage == "missing":
        del files["sendump"]
    elif damage == "short":
        files["means"] = files["means"][:-4]
    else:
        files["variances"] = files["variances"].replace(b"s3", b"s4", 1)
    with pytest.raises(ValueError):
        adaptation.check(adaptation.LearnedVoice(files), ACOUSTIC)


def test_saved_privately_in_one_file_and_unpacked_for_a_session():
    path = voice_profile.save(BUNDLED_MODEL_KEY, own_files())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    folder = Path(voice_profile.unpack(path))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == sorted(adaptation.ADAPTED)
    assert (folder / "means").read_bytes() == (Path(ACOUSTIC) / "means").read_bytes()
    assert adaptation.decoder_options(folder)["mean"] == str(folder / "means")


def test_a_damaged_file_is_found_before_pocketsphinx_reads_it():
    path = voice_profile.save(BUNDLED_MODEL_KEY, own_files())
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:  # flip a byte inside the means' stored data
        info = archive.getinfo("means")
    data[info.header_offset + 30 + len(info.filename) + 100] ^= 0xFF
    path.write_bytes(bytes(data))
    why = voice_profile.problem(path)
    assert why is not None and "damaged" in why
    path.write_bytes(b"")
    assert "damaged" in (voice_profile.problem(path) or "")


def heard(recognizer: SphinxRecognizer, matcher: Matcher) -> list[str | None]:
    pipeline = SpeechToIntent(recognizer, matcher)
    got = []
    for command in COMMANDS:
        results = list(pipeline.run(blocks_from_array(synth.session([command], VOICE, 1.0))))
        got.append(results[0].intent.name if len(results) == 1 and results[0].intent else None)
    return got


def test_a_learned_voice_hears_more_commands_right(learned):
    matcher = Matcher()
    want = [matcher.match(c).name for c in COMMANDS]
    plain = heard(SphinxRecognizer(), matcher)
    path = voice_profile.save(BUNDLED_MODEL_KEY, learned)
    adapted_recognizer = SphinxRecognizer(voice=voice_profile.unpack(path))
    assert adapted_recognizer.adapted
    adapted = heard(adapted_recognizer, matcher)
    pairs = [list(zip(got, want, strict=True)) for got in (plain, adapted)]
    right = [sum(g == w for g, w in p) for p in pairs]
    wrong = [sum(g not in (None, w) for g, w in p) for p in pairs]
    # measured when written: 6 and 14 of 15 right, 2 and 0 wrong (the fifth session's MLLR
    # transform: 5 and 10 right)
    assert right[1] >= right[0] + 5, (plain, adapted)
    assert wrong[1] <= wrong[0]


def test_takes_that_match_nothing_teach_nothing():
    silent = [adaptation.Take("hello world", b"\0" * 32000)] * 3
    with pytest.raises(adaptation.AdaptationError, match="none of the recordings"):
        adaptation.estimate(silent, ACOUSTIC, enrolment.dictionary_path())


def test_no_recording_is_left_behind(learned):
    before = set(Path(tempfile.gettempdir()).glob("voice-cecert-enrol-*"))
    audio = synth.session(["the phone rang twice and then the message stopped"], VOICE, 1.0)
    take = adaptation.Take(
        "the phone rang twice and then the message stopped", synth.to_bytes(audio)
    )
    adaptation.estimate([take], ACOUSTIC, enrolment.dictionary_path())
    assert set(Path(tempfile.gettempdir()).glob("voice-cecert-enrol-*")) == before


def test_missing_tools_are_named_with_their_packages(monkeypatch):
    monkeypatch.setattr(adaptation, "find_tool", lambda name: None if name == "bw" else "/bin/true")
    assert adaptation.missing_packages() == ["sphinxtrain"]
    with pytest.raises(adaptation.AdaptationError, match="sudo apt-get install sphinxtrain"):
        adaptation.estimate(
            [adaptation.Take("hello", b"\0" * 3200)], ACOUSTIC, enrolment.dictionary_path()
        )


def test_a_model_without_its_files_is_a_one_line_error(tmp_path):
    with pytest.raises(adaptation.AdaptationError, match="could not be read"):
        adaptation.estimate(
            [adaptation.Take("hello", b"\0" * 3200)], tmp_path, enrolment.dictionary_path()
        )
