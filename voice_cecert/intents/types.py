"""Values the intent stage hands to the dialogue, and the intent names everyone relies on.

Intent names (the contract between the intents file, the benchmark, and the dialogue):
- every routine id of CATALOG.md, plus "practice-plan" and "review-plan": starts that routine
  (Intent.routine == name). Optional slot "seconds" when a duration was said with it
  ("a two minute breathing break").
- "element": slot "element" in ELEMENTS ("tell me about rumination", "something for recovery").
- controls: "help", "more", "menu", "stop", "pause", "resume", "repeat", "skip", "back",
  "slower", "faster", "louder", "softer", "shorter", "longer", "sleep", "wake", "progress"
  ("how am I doing"), "goodbye", "voice" ("try a different voice": the next English voice).
- answers: "yes", "no", "number" (slot "number": int 0-10), "duration" (slot "seconds": int,
  e.g. "make it three minutes" -> 180), "pattern" (slots "inhale", "exhale" and optionally
  "hold": ints, e.g. "four in, six out").
- "change-plan": slot "question" (1-6, a worksheet question: "change my task-positive
  activities" -> 2).
- "crisis": words of self-harm or crisis; the dialogue stops everything and answers safely.
- "learn-voice" ("learn my voice", "you keep mishearing me") and "forget-voice" ("forget my
  voice"): idle commands that learn the user's voice by ear (enrolment.py) or delete it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ELEMENTS = ("experiential", "rumination", "narrative", "emotional-labour", "recovery")

CONTROLS = (
    "help",
    "more",
    "menu",
    "stop",
    "pause",
    "resume",
    "repeat",
    "skip",
    "back",
    "slower",
    "faster",
    "louder",
    "softer",
    "shorter",
    "longer",
    "sleep",
    "wake",
    "progress",
    "goodbye",
    "voice",
)
ANSWERS = ("yes", "no", "number", "duration", "pattern")


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
