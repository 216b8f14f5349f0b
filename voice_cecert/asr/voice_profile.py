"""Where a learned voice (the MLLR transform from `voice-cecert enrol`) is kept and when it
is used.

One file per speech model, in the user's data folder, readable by the user alone. It is used
only for a live microphone, as the remembered cepstral mean is: a WAV file can be anyone's
recording, and `listen --wav` must give the same answer on every machine. A damaged file is
never handed to pocketsphinx (which would read it without checking): it is ignored with a
one-line notice, and enrolling again replaces it.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path
from typing import Any

from voice_cecert import paths
from voice_cecert.asr import mllr
from voice_cecert.files import write_private_atomic

FOLDER = "voice"


def path_for(model_key: str) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", model_key.lower()).strip("-")[:40]
    digest = hashlib.sha256(model_key.encode("utf-8")).hexdigest()[:8]
    return paths.data_dir() / FOLDER / f"{slug}-{digest}.mllr"


def save(model_key: str, transform: str) -> Path:
    mllr.check(transform)
    path = path_for(model_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    write_private_atomic(path, transform)
    return path


def problem(path: Path) -> str | None:
    """Why the saved transform at `path` cannot be used, or None when it can."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"could not be read: {exc}"
    try:
        mllr.check(text)
    except ValueError as exc:
        return f"is damaged: {exc}"
    return None


def saved(model_key: str) -> Path | None:
    """The transform for this model if one was learned and is sound, else None."""
    path = path_for(model_key)
    if not path.exists():
        return None
    why = problem(path)
    if why is not None:
        print(
            f"voice-cecert: your learned voice {why}; it was not used "
            "(run 'voice-cecert enrol' again)",
            file=sys.stderr,
        )
        return None
    return path


def forget(model_key: str) -> bool:
    path = path_for(model_key)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def for_session(source: Any) -> str | None:
    """The transform to load for this run (pocketsphinx only uses it): a live microphone (a
    source with a `device_name`) and a voice learned for the bundled model."""
    if getattr(source, "device_name", None) is None:
        return None
    from voice_cecert.asr.sphinx_engine import BUNDLED_MODEL_KEY

    found = saved(BUNDLED_MODEL_KEY)
    return str(found) if found is not None else None
