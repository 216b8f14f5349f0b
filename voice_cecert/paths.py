"""Where voice-cecert keeps its files.

platformdirs gives the per-OS user dirs; everything the user saves is created readable by the
user alone, because practice notes and narratives can touch clinical material.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_path, user_data_path

APP_NAME = "voice-cecert"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def data_dir(create: bool = True) -> Path:
    """User data dir; `VOICE_CECERT_HOME` overrides it (tests point it at a temp dir)."""
    override = os.environ.get("VOICE_CECERT_HOME")
    path = Path(override) / "data" if override else user_data_path(APP_NAME)
    return _private_dir(path) if create else path


def config_dir(create: bool = True) -> Path:
    override = os.environ.get("VOICE_CECERT_HOME")
    path = Path(override) / "config" if override else user_config_path(APP_NAME)
    return _private_dir(path) if create else path


def model_search_dirs() -> list[Path]:
    """Folders that may hold vosk models, most specific first (see models/README.md)."""
    dirs: list[Path] = []
    env = os.environ.get("VOSK_MODEL_PATH")
    if env:
        dirs.append(Path(env))
    dirs.append(PROJECT_ROOT / "models")
    dirs.append(data_dir(create=False) / "models")
    return dirs
