"""Values the intent stage hands to the dialogue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Intent:
    """One understood utterance.

    `name` is the intent name from the intents file: for routines it is the CATALOG.md routine
    id itself (e.g. "breathing"); controls are named like "stop", "help", "slower"; answers are
    "yes", "no", "number" (slot "number": int 0-10), "duration" (slot "seconds": int).
    `routine` is the routine id the utterance would start, or None for anything else.
    `slots` maps slot names to already-converted values (ints for numbers/durations, routine ids,
    element ids). `score` is 0..100; `exact` is True when a template matched the text exactly.
    """

    name: str
    text: str
    score: float
    routine: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    exact: bool = False
    alternatives: tuple[tuple[str, float], ...] = ()
