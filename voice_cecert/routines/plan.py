"""A routine's planned length when nobody answers, worked out from the script alone.

This is the yardstick for `render`: the rendered WAV must last as long as planned. It is
computed independently of the runner and the WAV timeline: walk the steps on the path a
silent listener takes (no answers, so each question waits its full `wait` and takes its
`if_none` branch), add quiet times and breathing phases, and add each line's speech time as
measured by a `speech_seconds(text, cue)` function (real synthesis for the render check).
Deadlines are absolute, so a cue that is shorter than its phase costs nothing extra and one
that is longer only delays its own phase's start: modelled here as `max(deadline, cue end)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from voice_cecert.routines import templates
from voice_cecert.routines.model import (
    Ask,
    Breathe,
    BreathPattern,
    CheckIn,
    Choose,
    Pause,
    Record,
    Routine,
    Say,
    Step,
)
from voice_cecert.routines.runner import HOLD_TONE_SECONDS, default_title
from voice_cecert.routines.runner import phrases as runner_phrases

SpeechSeconds = Callable[[str, bool], float]  # (text, is_breathing_cue) -> seconds


@dataclass(frozen=True)
class Plan:
    seconds: float  # total
    speech: float  # time spent speaking (lines and cue words outside quiet time)
    quiet: float  # pauses, breathing and answer windows
    lines: tuple[str, ...]  # every line said, in order (spoken breathing cues included)


def plan(
    routine: Routine,
    speech_seconds: SpeechSeconds,
    *,
    pace: float = 1.0,
    length: float = 1.0,
    pattern: BreathPattern | None = None,
    phrases: dict | None = None,
    tone_seconds: Callable[[str, float], float] | None = None,
    cues: str | None = None,
) -> Plan:
    """Planned seconds for a silent run; the knobs match RunOptions (pace, length, pattern,
    cues)."""
    words = phrases or runner_phrases()
    lines: list[str] = []
    t = 0.0
    speech = 0.0

    def say(text: str, template: bool = True) -> None:
        nonlocal t, speech
        line = templates.render(text, {}) if template else text
        d = speech_seconds(line, False)
        lines.append(line)
        t += d
        speech += d

    def wait(seconds: float) -> None:
        nonlocal t
        t += seconds

    def timed_cue(deadline: float, cue_length: float) -> None:
        """A cue starts now; the phase ends at max(deadline, cue end)."""
        nonlocal t
        t = max(deadline, t + cue_length)

    def walk(steps: tuple[Step, ...]) -> None:
        nonlocal t
        for step in steps:
            if isinstance(step, Say):
                say(step.text)
            elif isinstance(step, Pause):
                factor = pace * length if step.adjustable else 1.0
                total = step.seconds * factor
                if step.cue:
                    start = t
                    wait(total / 2)
                    line = templates.render(step.cue, {})
                    lines.append(line)
                    d = speech_seconds(line, False)
                    timed_cue(start + total, d)
                else:
                    wait(total)
            elif isinstance(step, Breathe):
                p = pattern if (pattern is not None and step.adjustable) else step.pattern
                mode = cues if (cues is not None and step.adjustable) else step.cues
                cycles = step.planned_cycles(p, length)
                step_pace = pace if step.adjustable else 1.0
                deadline = t
                for done in range(cycles):
                    key = "cue_words" if done < words["full_cue_cycles"] else "cue_words_short"
                    for phase, seconds in (
                        ("inhale", p.inhale),
                        ("hold", p.hold_in),
                        ("exhale", p.exhale),
                        ("hold", p.hold_out),
                    ):
                        if seconds <= 0:
                            continue
                        deadline += seconds * step_pace
                        if mode == "spoken":
                            lines.append(words[key][phase])
                            cue = speech_seconds(words[key][phase], True)
                        elif mode == "tones" and tone_seconds is not None:
                            asked = seconds * step_pace
                            if phase == "hold":
                                asked = min(asked, HOLD_TONE_SECONDS)
                            cue = tone_seconds(phase, asked)
                        else:
                            cue = 0.0
                        timed_cue(deadline, cue)  # the next deadline chains on this one
            elif isinstance(step, Ask):
                say(step.question)
                wait(step.wait)
                walk(step.branch("none") or ())
            elif isinstance(step, CheckIn):
                if step.prompt:
                    say(step.prompt)
                else:
                    say(words[f"checkin_{step.moment}"], template=False)
                wait(step.wait)
            elif isinstance(step, Record):
                say(step.prompt)
                wait(step.wait)
                walk(step.if_none)
            elif isinstance(step, Choose):
                if step.prompt:
                    say(step.prompt)
                else:
                    titles = [default_title(o) for o in step.options]
                    spoken = ", ".join(titles[:-1]) + " or " + titles[-1]
                    say(templates.render(words["choose"], {"options": spoken}), template=False)
                wait(step.wait)

    walk(routine.steps)
    return Plan(t, speech, t - speech, tuple(lines))
