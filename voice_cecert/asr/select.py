"""Which recogniser to run: vosk when a model is installed, else the bundled pocketsphinx.

pocketsphinx needs no download, so the app always works; a vosk model (see models/README.md)
is looked for in a fixed order so that "it just works" once one is unpacked in `models/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from voice_cecert.asr.endpointed import DEFAULT_TRAILING_SILENCE, EndpointedRecognizer
from voice_cecert.errors import UserError
from voice_cecert.vosk_models import find_models

if TYPE_CHECKING:
    from voice_cecert.config import Settings

ENGINES = ("auto", "vosk", "pocketsphinx")
HOW_TO_GET_A_MODEL = (
    "download a vosk model (e.g. vosk-model-small-en-us-0.15 from alphacephei.com/vosk/models), "
    "unpack it into the models/ folder or set VOSK_MODEL_PATH (see models/README.md)"
)


def find_vosk_model(explicit: str | Path | None = None) -> Path | None:
    """The vosk model to use, or None: the explicit path (from a flag or the settings file),
    else the first model `voice_cecert.vosk_models.find_models` lists (VOSK_MODEL_PATH,
    <project>/models/*, <user data dir>/models/*), the same one `voice-cecert models list`
    marks "in use".

    An explicit path that holds no model is an error rather than a silent fallback: the user
    asked for that model.
    """
    if explicit:
        folder = Path(explicit).expanduser()
        if not folder.exists():
            raise UserError(f"the vosk model path {folder} does not exist.")
        found = find_models([folder])
        if not found:
            raise UserError(
                f"{folder} is not a vosk model folder (it needs am/final.mdl, conf/ and graph/)."
            )
        return found[0].path.resolve()
    found = find_models()
    return found[0].path.resolve() if found else None


def make_recognizer(
    engine: str = "auto",
    model_path: str | Path | None = None,
    trailing_silence: float = DEFAULT_TRAILING_SILENCE,
    condition: bool = True,
    voice: str | None = None,
) -> EndpointedRecognizer:
    """A ready recogniser. "auto": vosk if a model is found, else pocketsphinx, which loads
    the learned voice (a folder, `voice`) if given (voice_profile.py)."""
    if engine not in ENGINES:
        raise UserError(f"unknown speech engine {engine!r}; choose one of: {', '.join(ENGINES)}.")
    options = {"trailing_silence": trailing_silence, "condition": condition}
    if engine == "pocketsphinx":
        from voice_cecert.asr.sphinx_engine import SphinxRecognizer

        return SphinxRecognizer(**options, voice=voice)
    model = find_vosk_model(model_path)
    if model is None:
        if engine == "vosk":
            raise UserError(f"no vosk model was found: {HOW_TO_GET_A_MODEL}.")
        from voice_cecert.asr.sphinx_engine import SphinxRecognizer

        return SphinxRecognizer(**options, voice=voice)
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
