"""Durations as routine writers type them: `90`, `"90s"`, `"2m"`, `"1m30s"`, `"1.5 minutes"`.

Supervisors write routines by hand, so a length is accepted in the forms people naturally use
and anything else is rejected with the exact text that was not understood.
"""

from __future__ import annotations

import re

_PATTERN = re.compile(
    r"^\s*(?:(?P<min>\d+(?:\.\d+)?)\s*(?:m|min|mins|minute|minutes))?"
    r"\s*(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:s|sec|secs|second|seconds)?)?\s*$"
)


class DurationError(ValueError):
    """A duration that is not a positive number of seconds or minutes."""


def parse_duration(value: object) -> float:
    """Seconds as a float; raises DurationError with a message fit for a validation report."""
    if isinstance(value, bool):
        raise DurationError(f"{value!r} is not a duration (use e.g. 90, '90s' or '2m')")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _PATTERN.match(value)
        if not match or not (match.group("min") or match.group("sec")):
            raise DurationError(f"{value!r} is not a duration (use e.g. 90, '90s' or '2m')")
        seconds = float(match.group("min") or 0) * 60 + float(match.group("sec") or 0)
    else:
        raise DurationError(f"{value!r} is not a duration (use e.g. 90, '90s' or '2m')")
    if seconds < 0:
        raise DurationError(f"{value!r} is negative")
    return seconds


def spoken_duration(seconds: float) -> str:
    """'two minutes', '90 seconds', 'about 2 minutes': how the app says a length back."""
    seconds = round(seconds)
    if seconds >= 60 and seconds % 60 == 0:
        minutes = seconds // 60
        return "one minute" if minutes == 1 else f"{minutes} minutes"
    if seconds <= 90:
        return f"{seconds} seconds"
    return f"about {round(seconds / 60)} minutes"
