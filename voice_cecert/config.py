"""Settings: one TOML file in the user config dir, every value checked on load.

A mistake in the file must produce one line that names the file and the key, not a traceback
in the middle of a practice. Unknown keys are only warned about, so a file written by a newer
version still loads. The file holds only what the user changed (defaults can then improve in
later versions) and is written atomically and readable by the user alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import tomli_w

from voice_cecert import paths
from voice_cecert.errors import UserError
from voice_cecert.files import write_private_atomic

CONFIG_NAME = "config.toml"


@dataclass(frozen=True)
class Settings:
    engine: str = "auto"  # speech recognition: auto (vosk if a model is found), vosk, pocketsphinx
    model_path: str = ""  # a vosk model folder; empty = search the usual places
    voice: str = ""  # pyttsx3/espeak-ng voice id or name; empty = the engine default
    rate: int = 165  # speaking rate in words per minute
    volume: float = 0.9  # 0.0 to 1.0
    wake_phrase: str = "hey coach"
    crisis_line: str = "988"
    crisis_label: str = "the 988 Suicide and Crisis Lifeline (call or text 988 in the US)"
    trailing_silence: float = 0.6  # seconds of silence that end an utterance
    sleep_timeout_minutes: int = 10  # idle minutes before listening sleeps; 0 = never
    always_on: bool = False  # keep listening without the wake phrase
    cue_mode: str = "tones"  # breathing cues: spoken, tones or silent
    daily_goal_minutes: int = 20
    remember_microphone: bool = True  # keep the mic's average spectrum for the next start

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with these values (None means "not given", e.g. an unset CLI flag)."""
        given = {k: v for k, v in values.items() if v is not None}
        for key, value in given.items():
            given[key] = check_value(key, value)
        return dataclasses.replace(self, **given)


@dataclass(frozen=True)
class _Rule:
    kind: type
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    nonempty: bool = False


RULES: dict[str, _Rule] = {
    "engine": _Rule(str, choices=("auto", "vosk", "pocketsphinx")),
    "model_path": _Rule(str),
    "voice": _Rule(str),
    "rate": _Rule(int, low=80, high=400),
    "volume": _Rule(float, low=0.0, high=1.0),
    "wake_phrase": _Rule(str, nonempty=True),
    "crisis_line": _Rule(str, nonempty=True),
    "crisis_label": _Rule(str, nonempty=True),
    "trailing_silence": _Rule(float, low=0.2, high=5.0),
    "sleep_timeout_minutes": _Rule(int, low=0, high=1440),
    "always_on": _Rule(bool),
    "cue_mode": _Rule(str, choices=("spoken", "tones", "silent")),
    "daily_goal_minutes": _Rule(int, low=1, high=600),
    "remember_microphone": _Rule(bool),
}
assert set(RULES) == {f.name for f in fields(Settings)}

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def check_value(key: str, value: Any) -> Any:
    """The value converted to the setting's type; UserError (naming the key) if it is wrong."""
    rule = RULES.get(key)
    if rule is None:
        raise UserError(f"unknown setting '{key}' (known: {', '.join(RULES)})")
    if rule.kind is bool:
        if not isinstance(value, bool):
            raise UserError(f"{key} must be true or false, not {value!r}")
    elif rule.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise UserError(f"{key} must be a whole number, not {value!r}")
    elif rule.kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserError(f"{key} must be a number, not {value!r}")
        value = float(value)
    elif not isinstance(value, str):
        raise UserError(f"{key} must be text, not {value!r}")
    if rule.choices and value not in rule.choices:
        raise UserError(f"{key} must be one of {', '.join(rule.choices)}, not {value!r}")
    if rule.low is not None and rule.high is not None and not rule.low <= value <= rule.high:
        raise UserError(f"{key} must be between {rule.low:g} and {rule.high:g}, not {value!r}")
    if rule.nonempty and not value.strip():
        raise UserError(f"{key} must not be empty")
    return value


def parse_value(key: str, text: str) -> Any:
    """A value typed on the command line (`config set rate 150`), checked."""
    rule = RULES.get(key)
    if rule is None:
        return check_value(key, text)  # raises: unknown key
    value: Any = text
    lowered = text.strip().lower()
    if rule.kind is bool:
        if lowered in _TRUE | _FALSE:
            value = lowered in _TRUE
    elif rule.kind in (int, float):
        with contextlib.suppress(ValueError):  # check_value reports it
            value = rule.kind(text.strip())
    return check_value(key, value)


def config_path() -> Path:
    return paths.config_dir() / CONFIG_NAME


def _warn(message: str) -> None:
    print(f"voice-cecert: {message}", file=sys.stderr)


def read_raw(path: Path | None = None) -> dict[str, Any]:
    """The file's table as written (no defaults filled in); {} when there is no file."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read settings: {exc}") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML ({exc}); fix or delete the file") from exc


def load_settings(path: Path | None = None, warn: Callable[[str], None] = _warn) -> Settings:
    path = path or config_path()
    raw = read_raw(path)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in RULES:
            warn(f"{path}: unknown setting '{key}' ignored")
            continue
        try:
            values[key] = check_value(key, value)
        except UserError as exc:
            raise UserError(f"{path}: {exc}") from exc
    return Settings(**values)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the values that differ from the defaults (unknown keys already there are kept)."""
    path = path or config_path()
    try:
        raw = read_raw(path)
    except UserError:
        raw = {}  # replacing a broken file with a good one is the fix
    defaults = Settings()
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if value == getattr(defaults, f.name):
            raw.pop(f.name, None)
        else:
            raw[f.name] = value
    write_private_atomic(path, tomli_w.dumps(raw))
    return path
