"""What a running routine reports, for the journal, the dialogue and the UI to subscribe to.

Events are frozen values delivered in order on the runner's thread; a subscriber that needs
to do slow work should hand them on to its own thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

EventKind = Literal[
    "started",  # the routine began (value: planned length in seconds)
    "step",  # a step started (text: its kind)
    "spoken",  # a line was said (text) - breathing cue words included (data["cue"] = True)
    "cue",  # a non-verbal cue was played (text: inhale/exhale/hold/chime, value: seconds)
    "step-finished",  # a step ended (text: its kind)
    "asking",  # waiting for an answer (text: answer kind, data["options"] for choose)
    "answered",  # an answer came (value; data: key, save, kind); value None = no answer
    "checkin",  # a 0-10 check-in was given (text: before/after, value: int)
    "recorded",  # dictated text (value: text; data: key, save, save_text)
    "control",  # a control was applied (text: its name, value: new factor if any)
    "paused",
    "resumed",
    "chosen",  # the user chose the next routine (value: routine id)
    "stopped",  # ended by stop (value: seconds elapsed)
    "completed",  # ran to the end (value: seconds elapsed)
]


@dataclass(frozen=True)
class RunEvent:
    kind: EventKind
    routine_id: str
    at: float
    text: str | None = None
    value: Any = None
    data: dict[str, Any] = field(default_factory=dict)


Subscriber = Callable[[RunEvent], None]


@dataclass(frozen=True)
class RunResult:
    routine_id: str
    completed: bool
    seconds: float
    next_routine: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    checkins: dict[str, int] = field(default_factory=dict)
