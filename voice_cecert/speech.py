"""Speakers: how the app's words reach the user (contract only; implementations follow)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Speaker(Protocol):
    """Says things. `say` blocks until the line is finished or `stop()` is called from another
    thread (then it returns early). `speaking` is True exactly while audio is going out, so the
    recogniser can ignore the app's own voice (half duplex).

    `cue(kind, seconds)` plays a non-verbal cue lasting about `seconds` (kinds: "inhale",
    "exhale", "hold", "chime"): a rising tone for inhale, a falling one for exhale, so breathing
    can be followed with eyes closed.
    """

    speaking: bool

    def say(self, text: str) -> None: ...

    def cue(self, kind: str, seconds: float) -> None: ...

    def stop(self) -> None: ...

    def set_rate(self, factor: float) -> None: ...

    def set_volume(self, factor: float) -> None: ...
