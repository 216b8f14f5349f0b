"""Which recogniser to run: vosk when a model is installed, else the bundled pocketsphinx.

pocketsphinx needs no download, so the app always works; a vosk model (see models/README.md)
is looked for in a fixed order so that "it just works" once one is unpacked in `models/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from voice_cecert import paths
from voice_cecert.asr.endpointed import DEFAULT_TRAILING_SILENCE, EndpointedRecognizer
from voice_cecert.errors import UserError

if TYPE_CHECKING:
    from voice_cecert.config import Settings

ENGINES = ("auto", "vosk", "pocketsphinx")
HOW_TO_GET_A_MODEL = (
    "download a vosk model (e.g. vosk-model-small-en-us-0.15 from alphacephei.com/vosk/models), "
    "unpack it into the models/ folder or set VOSK_MODEL_PATH (see models/README.md)"
)


def is_vosk_model(folder: Path) -> bool:
    """The files vosk cannot start without: acoustic model, feature config, decoding graph."""
    graph = folder / "graph"
    has_graph = (graph / "HCLG.fst").is_file() or (graph / "HCLr.fst").is_file()
    return (folder / "am" / "final.mdl").is_file() and (folder / "conf").is_dir() and has_graph


def _model_in(folder: Path) -> Path | None:
    """`folder` itself if it is a model, else its best model subfolder (English first)."""
    if not folder.is_dir():
        return None
    if is_vosk_model(folder):
        return folder
    try:
        candidates = sorted(p for p in folder.iterdir() if p.is_dir() and is_vosk_model(p))
    except OSError:
        return None
    english = [p for p in candidates if "-en" in p.name.lower()]
    return (english or candidates or [None])[0]


def find_vosk_model(explicit: str | Path | None = None) -> Path | None:
    """The vosk model to use, or None. Order: explicit path (from a flag or the settings
    file), VOSK_MODEL_PATH, <project>/models/*, <user data dir>/models/*.

    An explicit path that holds no model is an error rather than a silent fallback: the user
    asked for that model.
    """
    if explicit:
        folder = Path(explicit).expanduser()
        if not folder.exists():
            raise UserError(f"the vosk model path {folder} does not exist.")
        found = _model_in(folder)
        if found is None:
            raise UserError(
                f"{folder} is not a vosk model folder (it needs am/final.mdl, conf/ and graph/)."
            )
        return found.resolve()
    for folder in paths.model_search_dirs():
        found = _model_in(folder)
        if found is not None:
            return found.resolve()
    return None


def make_recognizer(
    engine: str = "auto",
    model_path: str | Path | None = None,
    trailing_silence: float = DEFAULT_TRAILING_SILENCE,
    condition: bool = True,
) -> EndpointedRecognizer:
    """A ready recogniser. "auto": vosk if a model is found, else pocketsphinx."""
    if engine not in ENGINES:
        raise UserError(f"unknown speech engine {engine!r}; choose one of: {', '.join(ENGINES)}.")
    options = {"trailing_silence": trailing_silence, "condition": condition}
    if engine == "pocketsphinx":
        from voice_cecert.asr.sphinx_engine import SphinxRecognizer

        return SphinxRecognizer(**options)
    model = find_vosk_model(model_path)
    if model is None:
        if engine == "vosk":
            raise UserError(f"no vosk model was found: {HOW_TO_GET_A_MODEL}.")
        from voice_cecert.asr.sphinx_engine import SphinxRecognizer

        return SphinxRecognizer(**options)
    from voice_cecert.asr.vosk_engine import VoskRecognizer

    return VoskRecognizer(model, **options)


def recognizer_from_settings(settings: Settings, **overrides) -> EndpointedRecognizer:
    """make_recognizer with the engine, model path and trailing silence from the settings."""
    options = {
        "engine": settings.engine,
        "model_path": settings.model_path or None,
        "trailing_silence": settings.trailing_silence,
    }
    options.update({k: v for k, v in overrides.items() if v is not None})
    return make_recognizer(**options)
