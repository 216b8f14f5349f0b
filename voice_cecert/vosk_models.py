"""Recognising and finding vosk model folders.

A vosk model is a folder with `am/final.mdl`, `conf/` and `graph/`; the zips vosk publishes hold
one such folder. Checking the layout before using (or unpacking) a folder turns "the app
crashed inside Kaldi" into "this is not a vosk model".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voice_cecert import paths

REQUIRED = ("am/final.mdl", "conf", "graph")


def is_vosk_model(path: Path) -> bool:
    return path.is_dir() and all((path / part).exists() for part in REQUIRED)


def missing_parts(names: set[str]) -> list[str]:
    """Which required parts a model's relative file names lack (for zips: before unpacking)."""
    missing = []
    for part in REQUIRED:
        if not any(n == part or n.startswith(part + "/") for n in names):
            missing.append(part)
    return missing


@dataclass(frozen=True)
class FoundModel:
    name: str
    path: Path
    size_mb: float


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def find_models(search_dirs: list[Path] | None = None) -> list[FoundModel]:
    """Every model in the search dirs (a dir that is a model, or its immediate sub-folders)."""
    found: list[FoundModel] = []
    seen: set[Path] = set()
    for base in search_dirs if search_dirs is not None else paths.model_search_dirs():
        candidates = [base] if is_vosk_model(base) else []
        if not candidates and base.is_dir():
            candidates = sorted(p for p in base.iterdir() if is_vosk_model(p))
        for path in candidates:
            real = path.resolve()
            if real not in seen:
                seen.add(real)
                found.append(FoundModel(path.name, path, _size_mb(path)))
    return found
