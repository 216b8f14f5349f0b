"""Breathing patterns: the named presets (data in presets.yaml) and the user's own saved ones.

A pattern can be named ("box", "4-7-8", or a name the user saved) or spelled as seconds:
"4-6" (in, out), "4-7-8" (in, hold, out), "4-4-4-4" (in, hold, out, hold). Saved patterns
live in a small JSON file in the user data dir, written atomically and private.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from pathlib import Path

import yaml

from voice_cecert.errors import UserError
from voice_cecert.routines.model import BreathPattern

PHASE_MIN, PHASE_MAX, HOLD_MAX = 1.0, 20.0, 20.0
_SPEC = re.compile(r"^\d+(\.\d+)?(-\d+(\.\d+)?){1,3}$")
_NAME = re.compile(r"^[a-z][a-z0-9 -]{0,30}$")


@functools.cache
def presets() -> dict[str, BreathPattern]:
    text = resources.files(__package__).joinpath("presets.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return {
        name: BreathPattern(v["inhale"], v["hold_in"], v["exhale"], v["hold_out"], name)
        for name, v in raw.items()
    }


@functools.cache
def preset_descriptions() -> dict[str, str]:
    text = resources.files(__package__).joinpath("presets.yaml").read_text(encoding="utf-8")
    return {name: v.get("spoken", name) for name, v in yaml.safe_load(text).items()}


def check_pattern(pattern: BreathPattern) -> BreathPattern:
    """Raise ValueError unless every phase is within comfortable, safe bounds."""
    for label, value in (("inhale", pattern.inhale), ("exhale", pattern.exhale)):
        if not PHASE_MIN <= value <= PHASE_MAX:
            raise ValueError(f"{label} of {value:g}s is outside {PHASE_MIN:g}-{PHASE_MAX:g}s")
    for label, value in (("hold", pattern.hold_in), ("hold", pattern.hold_out)):
        if not 0 <= value <= HOLD_MAX:
            raise ValueError(f"{label} of {value:g}s is outside 0-{HOLD_MAX:g}s")
    return pattern


def from_phases(
    inhale: float, exhale: float, hold: float = 0.0, hold_out: float = 0.0, name: str = ""
) -> BreathPattern:
    """A pattern from spoken numbers ("four in, six out" -> inhale 4, exhale 6)."""
    pattern = BreathPattern(float(inhale), float(hold), float(exhale), float(hold_out), name)
    pattern = check_pattern(pattern)
    return pattern if name else BreathPattern(*_phases(pattern), name=pattern.spec())


def _phases(p: BreathPattern) -> tuple[float, float, float, float]:
    return (p.inhale, p.hold_in, p.exhale, p.hold_out)


def parse_spec(spec: str) -> BreathPattern:
    """'4-6', '4-7-8' or '4-4-4-4' -> pattern; raises ValueError."""
    spec = str(spec).strip()
    if not _SPEC.match(spec):
        raise ValueError(f"{spec!r} is not a preset name or a pattern like 4-6, 4-7-8, 4-4-4-4")
    nums = [float(x) for x in spec.split("-")]
    if len(nums) == 2:
        nums = [nums[0], 0.0, nums[1], 0.0]
    elif len(nums) == 3:
        nums = [*nums, 0.0]
    return check_pattern(BreathPattern(*nums, name=spec))


class PatternBook:
    """Presets plus the user's saved patterns (a JSON map name -> [in, hold, out, hold])."""

    FILE_NAME = "breathing_patterns.json"

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder

    @property
    def path(self) -> Path:
        from voice_cecert import paths

        folder = self._folder if self._folder is not None else paths.data_dir()
        return Path(folder) / self.FILE_NAME

    def saved(self) -> dict[str, BreathPattern]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot read saved breathing patterns in {self.path}: {exc}") from None
        return {name: BreathPattern(*map(float, v), name=name) for name, v in raw.items()}

    def get(self, name_or_spec: str) -> BreathPattern:
        """Preset, saved name, or spec; raises UserError naming the choices."""
        key = str(name_or_spec).strip().lower()
        if key in presets():
            return presets()[key]
        saved = self.saved()
        if key in saved:
            return saved[key]
        try:
            return parse_spec(key)
        except ValueError as exc:
            names = ", ".join([*presets(), *saved])
            raise UserError(
                f"unknown breathing pattern {name_or_spec!r}: {exc} (named: {names})"
            ) from None

    def save(self, name: str, pattern: BreathPattern) -> BreathPattern:
        from voice_cecert.files import write_private_atomic

        name = name.strip().lower()
        if not _NAME.match(name):
            raise UserError(f"pattern name {name!r}: use a few lowercase words, e.g. 'evening'")
        if name in presets():
            raise UserError(f"{name!r} is a built-in preset; choose another name")
        try:
            check_pattern(pattern)
        except ValueError as exc:
            raise UserError(f"cannot save pattern {name!r}: {exc}") from None
        data = {k: list(_phases(v)) for k, v in self.saved().items()}
        data[name] = list(_phases(pattern))
        write_private_atomic(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
        return BreathPattern(*_phases(pattern), name=name)
