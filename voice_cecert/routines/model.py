"""The values a routine file turns into: a Routine and its steps, all frozen.

The runner, the planner and `routines show` read these; only the loader builds them, after
validation, so every field here already holds a checked value with its default filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ELEMENT_IDS = (
    "experiential",
    "rumination",
    "narrative",
    "emotional-labour",
    "recovery",
    "worksheet",
)
ELEMENT_TITLES = {
    "experiential": "Experiential engagement",
    "rumination": "Regulating rumination",
    "narrative": "Conscious narrative",
    "emotional-labour": "Reducing emotional labour",
    "recovery": "Parasympathetic recovery",
    "worksheet": "Worksheet: Practicing your Practice",
}
AnswerKind = Literal["yes-no", "number", "list", "text"]
CueMode = Literal["spoken", "tones", "silent"]


@dataclass(frozen=True)
class BreathPattern:
    """Seconds per phase; holds may be 0. `name` is the preset or saved name, or the spec."""

    inhale: float
    hold_in: float
    exhale: float
    hold_out: float
    name: str = ""

    @property
    def cycle_seconds(self) -> float:
        return self.inhale + self.hold_in + self.exhale + self.hold_out

    def spec(self) -> str:
        """'4-7-8-0' style, with trailing zero holds dropped ('4-6' for four in, six out)."""
        parts = [self.inhale, self.hold_in, self.exhale, self.hold_out]
        if self.hold_out == 0:
            parts = parts[:3] if self.hold_in else [self.inhale, self.exhale]
        return "-".join(f"{p:g}" for p in parts)


@dataclass(frozen=True)
class Say:
    text: str
    line: int = 0


@dataclass(frozen=True)
class Pause:
    seconds: float
    cue: str | None = None
    adjustable: bool = True
    line: int = 0


@dataclass(frozen=True)
class Breathe:
    pattern: BreathPattern
    cycles: int | None = None
    seconds: float | None = None
    cues: CueMode = "spoken"
    adjustable: bool = True
    line: int = 0

    def planned_cycles(self, pattern: BreathPattern | None = None, length: float = 1.0) -> int:
        """Whole cycles (a run ends after an exhale), scaled by the length factor."""
        pattern = pattern or self.pattern
        if self.cycles is not None:
            base = self.cycles * (length if self.adjustable else 1.0)
            return max(1, round(base))
        total = (self.seconds or 60.0) * (length if self.adjustable else 1.0)
        return max(1, round(total / pattern.cycle_seconds))


@dataclass(frozen=True)
class Ask:
    question: str
    answer: AnswerKind
    items: int = 3
    next_item: str | None = None
    key: str | None = None
    save: bool = False
    wait: float = 10.0
    branches: tuple[tuple[str, tuple[Step, ...]], ...] = ()
    line: int = 0

    def branch(self, name: str) -> tuple[Step, ...] | None:
        for branch_name, steps in self.branches:
            if branch_name == name:
                return steps
        return None

    def branch_for_number(self, value: int) -> tuple[Step, ...] | None:
        for branch_name, steps in self.branches:
            if branch_name.startswith("range:"):
                low, high = (int(x) for x in branch_name[6:].split("-"))
                if low <= value <= high:
                    return steps
        return None


@dataclass(frozen=True)
class CheckIn:
    moment: Literal["before", "after"]
    prompt: str | None = None
    wait: float = 8.0
    line: int = 0


@dataclass(frozen=True)
class Record:
    prompt: str
    key: str | None = None
    save: bool = False
    save_text: str | None = None
    wait: float = 120.0
    if_none: tuple[Step, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Choose:
    options: tuple[str, ...]
    prompt: str | None = None
    wait: float = 10.0
    line: int = 0


Step = Say | Pause | Breathe | Ask | CheckIn | Record | Choose
STEP_KINDS = ("say", "pause", "breathe", "ask", "checkin", "record", "choose")


@dataclass(frozen=True)
class Routine:
    id: str
    element: str
    title: str
    summary: str
    length: float
    steps: tuple[Step, ...]
    source: str = ""
    placeholders: frozenset[str] = field(default_factory=frozenset)
