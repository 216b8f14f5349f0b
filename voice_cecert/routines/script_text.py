"""A routine's script as plain readable text (`voice-cecert routines show ID`).

Screen-reader friendly: one step per line, numbered, branches indented, durations spoken
the way the app would say them, no tables or symbols to wade through.
"""

from __future__ import annotations

from voice_cecert.routines.durations import spoken_duration
from voice_cecert.routines.model import (
    ELEMENT_TITLES,
    Ask,
    Breathe,
    CheckIn,
    Choose,
    Pause,
    Record,
    Routine,
    Say,
    Step,
)


def describe_step(step: Step) -> str:
    if isinstance(step, Say):
        return f"Say: {step.text}"
    if isinstance(step, Pause):
        cue = f" Halfway, say: {step.cue}" if step.cue else ""
        return f"Quiet for {spoken_duration(step.seconds)}.{cue}"
    if isinstance(step, Breathe):
        p = step.pattern
        amount = (
            f"{step.cycles} breaths"
            if step.cycles is not None
            else spoken_duration(step.seconds or 60)
        )
        phases = f"in {p.inhale:g}s"
        if p.hold_in:
            phases += f", hold {p.hold_in:g}s"
        phases += f", out {p.exhale:g}s"
        if p.hold_out:
            phases += f", hold {p.hold_out:g}s"
        return f"Breathe ({p.name or p.spec()}: {phases}) for {amount}, {step.cues} cues."
    if isinstance(step, Ask):
        extra = f", {step.items} items" if step.answer == "list" else ""
        key = f", kept as {step.key}" + (" in your plan" if step.save else "") if step.key else ""
        return f"Ask ({step.answer}{extra}{key}): {step.question}"
    if isinstance(step, CheckIn):
        return f"Offer a 0 to 10 check-in ({step.moment})" + (
            f": {step.prompt}" if step.prompt else "."
        )
    if isinstance(step, Record):
        where = f", kept as {step.key}" if step.key else ""
        return f"Listen to you speak, up to {spoken_duration(step.wait)}{where}: {step.prompt}"
    if isinstance(step, Choose):
        return "Offer to go on with: " + " or ".join(step.options) + "."
    raise TypeError(step)


def _branches(step: Step) -> list[tuple[str, tuple[Step, ...]]]:
    if isinstance(step, Ask):
        labels = {"yes": "If yes", "no": "If no", "answered": "If answered", "none": "If no answer"}
        out = []
        for name, steps in step.branches:
            label = f"If {name[6:]}" if name.startswith("range:") else labels[name]
            out.append((label, steps))
        return out
    if isinstance(step, Record) and step.if_none:
        return [("If nothing was said", step.if_none)]
    return []


def script_lines(routine: Routine) -> list[str]:
    lines = [
        f"{routine.title} ({routine.id})",
        f"{ELEMENT_TITLES.get(routine.element, routine.element)}. "
        f"Default length: {spoken_duration(routine.length)}.",
        routine.summary,
        "",
    ]

    def walk(steps: tuple[Step, ...], prefix: str, indent: str) -> None:
        for number, step in enumerate(steps, 1):
            lines.append(f"{indent}{prefix}{number}. {describe_step(step)}")
            for label, sub in _branches(step):
                lines.append(f"{indent}   {label}:")
                walk(sub, f"{prefix}{number}.", indent + "   ")

    walk(routine.steps, "", "")
    return lines
