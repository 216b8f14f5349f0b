"""Remember the microphone's average spectrum (pocketsphinx's cepstral mean) between runs.

Why: pocketsphinx subtracts a running cepstral mean from every frame. A new decoder starts it
at the model's `cmninit`, far from what a real microphone, room and voice give after this
app's conditioning, and it takes several utterances to settle; until then commands are often
misheard. Measured with scripts/bench_first_command.py (docs/BENCHMARKS.md, "First command of
a session"): the first command to a fresh recogniser, espeak-ng voices, went from 58 to 117
of 179 right on the development set and from 41 to 57 on the blind set when the decoder
started from the mean it had learned on the same voice's earlier speech (flite: 171 -> 173
and 100 -> 102 of 180). So the mean is saved when a live session ends and restored at the
next start, per speech model and microphone.

What is kept is 13 numbers per microphone: an average of the spectrum's shape over many
seconds, from which no word can be recovered. It is still derived from the user's voice, so
it lives in the user's data folder, readable by the user alone, and the `remember_microphone`
setting turns it off. Only a live microphone session saves or restores it: a WAV file can be
anyone's recording, and `listen --wav` must give the same answer on every machine.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from voice_cecert import paths
from voice_cecert.errors import UserError
from voice_cecert.files import write_private_atomic

FILE_NAME = "cepstral-mean.json"
MAX_ENTRIES = 16  # models x microphones; the oldest is dropped beyond this


class LearnsCepstralMean(Protocol):
    """A recogniser that can hand out and take back its cepstral mean (pocketsphinx)."""

    def cepstral_mean_key(self) -> str: ...

    def cepstral_mean(self) -> tuple[float, ...] | None: ...

    def seed_cepstral_mean(self, values: Sequence[float]) -> None: ...


def default_path() -> Path:
    return paths.data_dir() / FILE_NAME


def _valid(values: Any) -> tuple[float, ...] | None:
    if not isinstance(values, list) or not 1 <= len(values) <= 64:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return None
    if not all(math.isfinite(v) for v in values):
        return None
    return tuple(float(v) for v in values)


def _read(path: Path) -> dict[str, list[float]]:
    """The saved means; {} for a missing, unreadable or damaged file (it is only a hint)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: list(v) for k, v in data.items() if isinstance(k, str) and _valid(v)}


def count(path: Path | None = None) -> int:
    """How many microphones (per speech model) have a mean saved."""
    return len(_read(path or default_path()))


def load(key: str, path: Path | None = None) -> tuple[float, ...] | None:
    return _valid(_read(path or default_path()).get(key))


def save(key: str, values: Sequence[float], path: Path | None = None) -> None:
    checked = _valid(list(values))
    if checked is None:
        raise ValueError(f"not a cepstral mean: {values!r}")
    path = path or default_path()
    data = _read(path)
    data.pop(key, None)
    data[key] = [round(v, 5) for v in checked]  # newest last, so trimming drops the oldest
    while len(data) > MAX_ENTRIES:
        data.pop(next(iter(data)))
    write_private_atomic(path, json.dumps(data, indent=1) + "\n")


def session_key(recognizer: LearnsCepstralMean, microphone: str) -> str:
    return f"{recognizer.cepstral_mean_key()} | {microphone}"


def restore(recognizer: Any, microphone: str, path: Path | None = None) -> bool:
    """Start the recogniser from the mean saved for this model and microphone, if any."""
    if not hasattr(recognizer, "seed_cepstral_mean"):
        return False
    values = load(session_key(recognizer, microphone), path)
    if values is None:
        return False
    try:
        recognizer.seed_cepstral_mean(values)
    except ValueError:  # saved by a model with another feature size
        return False
    return True


def remember(recognizer: Any, microphone: str, path: Path | None = None) -> bool:
    """Save the mean the recogniser has learned, when it heard speech this session."""
    if not hasattr(recognizer, "cepstral_mean"):
        return False
    values = recognizer.cepstral_mean()
    if values is None:
        return False
    save(session_key(recognizer, microphone), values, path)
    return True


@contextmanager
def kept_for(recognizer: Any, source: Any, enabled: bool) -> Iterator[None]:
    """Around a session: start from the mean saved for this live microphone, save what was
    learned at the end. Nothing for a WAV file or stdin (no `device_name`), a recogniser
    without a mean, or `enabled` False (the remember_microphone setting)."""
    microphone = getattr(source, "device_name", None) if enabled else None
    if microphone is not None:
        restore(recognizer, microphone)
    try:
        yield
    finally:
        if microphone is not None:
            try:
                remember(recognizer, microphone)
            except (OSError, UserError, ValueError) as exc:  # ValueError: a mean not finite
                # a full disk or a read-only data folder only costs the hint
                note = f"voice-cecert: the microphone's settings were not saved ({exc})"
                print(note, file=sys.stderr)
