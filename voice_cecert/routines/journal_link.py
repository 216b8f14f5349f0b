"""Logs a run in the journal by listening to its events (used by `voice-cecert run`).

The runner knows nothing about storage; this subscriber turns its events into a practice
record, check-ins, saved plan answers and saved texts, and only saves what the routine file
asked to save (`save: true` / `save_text:`), because those are the answers the user agreed to
keep.
"""

from __future__ import annotations

from typing import Any, Protocol

from voice_cecert.routines.events import RunEvent


class PracticeLog(Protocol):
    def start_practice(self, routine_id: str) -> int: ...

    def finish_practice(self, practice_id: int, duration_s: float, completed: bool) -> None: ...

    def add_checkin(self, practice_id: int | None, moment: str, value: int) -> None: ...

    def set_answer(self, key: str, value: str) -> None: ...

    def save_text(self, practice_id: int | None, kind: str, text: str) -> int: ...


def _as_text(value: Any) -> str:
    return "\n".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


class JournalRecorder:
    """Subscribe an instance to a Runner: `runner.subscribe(JournalRecorder(journal))`."""

    def __init__(self, journal: PracticeLog) -> None:
        self.journal = journal
        self.practice_id: int | None = None

    def __call__(self, event: RunEvent) -> None:
        if event.kind == "started":
            self.practice_id = self.journal.start_practice(event.routine_id)
        elif event.kind == "checkin":
            self.journal.add_checkin(self.practice_id, str(event.text), int(event.value))
        elif event.kind in ("answered", "recorded") and event.value is not None:
            text = _as_text(event.value)
            key = event.data.get("key")
            if event.data.get("save") and key:
                self.journal.set_answer(key, text)
            if event.data.get("save_text"):
                self.journal.save_text(self.practice_id, event.data["save_text"], text)
        elif event.kind in ("completed", "stopped") and self.practice_id is not None:
            self.journal.finish_practice(
                self.practice_id, float(event.value), event.kind == "completed"
            )
