"""Where a learned voice (the adapted model files from `voice-cecert enrol`) is kept and when
it is used.

One file per speech model in the user's data folder, readable by the user alone: a zip of the
adapted files, written atomically, so enrolling again replaces the old voice in one step and a
crash leaves the old one whole. pocketsphinx reads model files only from disk, so for a session
they are unpacked into a private temporary folder that is deleted when the app exits. The zip's
checksums and `adaptation.check` catch a damaged file before pocketsphinx (which does not
validate model files) reads it: it is ignored with a one-line notice, and enrolling again
replaces it.

It is used only for a live microphone, as the remembered cepstral mean is: a WAV file can be
anyone's recording, and `listen --wav` must give the same answer on every machine.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from voice_cecert import paths
from voice_cecert.asr import adaptation
from voice_cecert.files import write_private_atomic

FOLDER = "voice"
# The fifth session's learned voice was an MLLR transform in a `.mllr` file: no longer read,
# only mentioned (enrolling again gives the better one) and deleted by `forget`.
LEGACY_SUFFIX = ".mllr"
# (file, its mtime, size) -> its unpacked folder, kept until the app exits
_unpacked: dict[tuple[Path, int, int], tempfile.TemporaryDirectory[str]] = {}


def _stem(model_key: str) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", model_key.lower()).strip("-")[:40]
    digest = hashlib.sha256(model_key.encode("utf-8")).hexdigest()[:8]
    return paths.data_dir() / FOLDER / f"{slug}-{digest}"


def path_for(model_key: str) -> Path:
    return _stem(model_key).with_suffix(".voice")


def _model_dir() -> str:
    from voice_cecert.asr.sphinx_engine import bundled_acoustic_dir

    return bundled_acoustic_dir()


def save(model_key: str, voice: adaptation.LearnedVoice) -> Path:
    adaptation.check(voice, _model_dir())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(voice.files.items()):
            archive.writestr(name, data)
    path = path_for(model_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    write_private_atomic(path, buffer.getvalue())
    _stem(model_key).with_suffix(LEGACY_SUFFIX).unlink(missing_ok=True)
    return path


def load(path: Path) -> adaptation.LearnedVoice:
    """The learned voice saved at `path`; ValueError (with why) when it cannot be used."""
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
            if broken is not None:
                raise ValueError(f"is damaged ({broken} fails its checksum)")
            voice = adaptation.LearnedVoice(
                {name: archive.read(name) for name in archive.namelist()}
            )
    except (zipfile.BadZipFile, EOFError, KeyError):
        raise ValueError("is damaged (not a whole learned voice file)") from None
    except OSError as exc:
        raise ValueError(f"could not be read: {exc}") from None
    try:
        adaptation.check(voice, _model_dir())
    except ValueError as exc:
        raise ValueError(f"is damaged: {exc}") from None
    return voice


def problem(path: Path) -> str | None:
    """Why the learned voice at `path` cannot be used, or None when it can."""
    try:
        load(path)
    except ValueError as exc:
        return str(exc)
    return None


def legacy(model_key: str) -> Path | None:
    """A voice learned by the fifth session's version (an MLLR transform), if one is saved."""
    old = _stem(model_key).with_suffix(LEGACY_SUFFIX)
    return old if old.exists() else None


def saved(model_key: str) -> Path | None:
    """The learned voice for this model if one was learned and is sound, else None."""
    path = path_for(model_key)
    if not path.exists():
        _notice_if_legacy(model_key)
        return None
    why = problem(path)
    if why is not None:
        _notice(f"{why}; it was not used")
        return None
    return path


def _notice_if_legacy(model_key: str) -> None:
    if legacy(model_key) is not None:
        _notice("was learned by an earlier version and is no longer used")


def _notice(what: str) -> None:
    line = f"voice-cecert: your learned voice {what} (run 'voice-cecert enrol' again)"
    print(line, file=sys.stderr)


def forget(model_key: str) -> bool:
    gone = False
    for path in (path_for(model_key), _stem(model_key).with_suffix(LEGACY_SUFFIX)):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        gone = True
    return gone


def unpack(path: Path) -> str:
    """A private folder holding the voice's files for pocketsphinx, kept until exit."""
    path = Path(path).resolve()
    stat = path.stat()
    key = (path, stat.st_mtime_ns, stat.st_size)  # enrolling again gives a new file
    if key not in _unpacked:
        voice = load(path)
        folder = tempfile.TemporaryDirectory(prefix="voice-cecert-voice-")  # mode 0700
        for name, data in voice.files.items():
            target = Path(folder.name) / name
            target.write_bytes(data)
            target.chmod(0o600)
        _unpacked[key] = folder
    return _unpacked[key].name


def for_session(source: Any, always: bool = False) -> str | None:
    """The learned voice's folder to load for this run (pocketsphinx only uses it): a live
    microphone (a source with a `device_name`), or any source when the user asks (`always`),
    and a voice learned for the bundled model."""
    if getattr(source, "device_name", None) is None and not always:
        return None
    from voice_cecert.asr.sphinx_engine import BUNDLED_MODEL_KEY

    path = path_for(BUNDLED_MODEL_KEY)
    if not path.exists():
        _notice_if_legacy(BUNDLED_MODEL_KEY)
        return None
    try:
        return unpack(path)  # loads and checks it once
    except (OSError, ValueError) as exc:
        _notice(f"{exc}; it was not used")
        return None
