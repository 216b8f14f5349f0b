"""Runs one routine: speaks its steps, keeps its pacing, and obeys controls at any moment.

Timing is a chain of absolute deadlines on an injectable monotonic clock: each phase ends at
(previous phase's end + its planned length), never at "now + length", so time spent speaking
or waking up does not add up and a ten-minute breathing run ends on time. Controls and answers
may come from any thread: they go into a queue and set an Event that every wait listens to,
and controls that must cut speech short call `speaker.stop()` at once. Everything else
(stepping, speaking, state) happens on the one thread that called `run()`.
"""

from __future__ import annotations

import functools
import math
import queue
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol

import yaml
from rapidfuzz import fuzz, process

from voice_cecert.clock import Clock
from voice_cecert.errors import UserError
from voice_cecert.routines import patterns, templates
from voice_cecert.routines.events import RunEvent, RunResult, Subscriber
from voice_cecert.routines.model import (
    Ask,
    Breathe,
    BreathPattern,
    CheckIn,
    Choose,
    CueMode,
    Pause,
    Record,
    Routine,
    Say,
    Step,
)
from voice_cecert.speech import Speaker

PACE_STEP, PACE_BOUNDS = 1.25, (0.5, 2.0)
LENGTH_STEP, LENGTH_BOUNDS = 1.25, (0.25, 4.0)
VOLUME_STEP, VOLUME_BOUNDS = 1.25, (0.25, 2.0)
HOLD_TONE_SECONDS = 0.5  # a hold gets a short soft tone, not one lasting the whole hold
INTERRUPTING = frozenset({"stop", "pause", "skip", "back", "repeat"})
CONTROLS = frozenset(
    {
        *INTERRUPTING,
        "resume",
        "slower",
        "faster",
        "shorter",
        "longer",
        "louder",
        "softer",
        "duration",
        "pattern",
    }
)
RETIMING = frozenset({"slower", "faster", "shorter", "longer", "duration", "pattern"})
NO_ANSWER = None  # what `answer()` takes for "skip the question" / end of input
_YES = {"yes", "y", "yeah", "yep", "sure", "ok", "okay", "please", "yes please", "i would"}
_SKIP = {"skip", "pass", "next", "skip it", "skip this"}
_DECLINE = {"stop", "no", "no thanks", "none", "neither", "nothing", "not now"}
_NO = {"no", "n", "nope", "no thanks", "not really", "not now", "i would not"}
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    )
}


class AnswerLookup(Protocol):
    """Where saved plan answers come from (the journal); optional."""

    def get_answer(self, key: str) -> str | None: ...


@dataclass(frozen=True)
class RunOptions:
    """How to run: `pace` multiplies quiet and breathing times (2.0 = twice as slow);
    `length_seconds` rescales the routine's adjustable parts to about that total; `pattern`
    replaces the pattern of adjustable breathe steps; `speech_rate`/`volume` go to the speaker."""

    pace: float = 1.0
    length_seconds: float | None = None
    pattern: BreathPattern | None = None
    speech_rate: float = 1.0
    volume: float = 1.0
    cues: CueMode | None = None  # overrides the cue mode of adjustable breathe steps
    # Answers already given in the request that started the routine ("a silent mindful
    # moment"), by ask-step key: that question is not asked aloud, which matters most when a
    # client is in the room.
    given: dict[str, Any] = field(default_factory=dict)
    # Ask only the questions that save under these answer keys, then confirm: how one
    # worksheet answer is redone ("change my task positive activities") without the rest.
    only_keys: frozenset[str] | None = None


@functools.cache
def phrases() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("phrases.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _bounded(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


class _Jump(Exception):
    """Unwinds the current step: stop, skip, back or repeat."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass
class _Frame:
    steps: tuple[Step, ...]
    index: int = 0


@dataclass
class _Expecting:
    kind: str
    answers: list[Any] = field(default_factory=list)


class Runner:
    """One run of one routine. Create, `subscribe`, then `run()` (blocks until the end).

    Thread-safe from any thread while it runs: `control(name, slots)`, `answer(value)`,
    `stop()`. Control names are the intent names of voice_cecert.intents.types: stop, pause,
    resume, repeat, skip, back, slower, faster, shorter, longer, louder, softer, duration
    (slot "seconds"), pattern (slots "inhale", "exhale", optional "hold"). Answers: True/False,
    an int 0-10, text, a list of texts, a routine id or title for `choose`, or None (no answer).
    """

    def __init__(
        self,
        routine: Routine,
        speaker: Speaker,
        clock: Clock,
        *,
        answers: AnswerLookup | None = None,
        options: RunOptions | None = None,
        title_of: Callable[[str], str] | None = None,
    ) -> None:
        self.routine = routine
        self.speaker = speaker
        self.clock = clock
        self._lookup = answers
        self.options = options or RunOptions()
        self._title_of = title_of or default_title
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._wake = threading.Event()
        self._subscribers: list[Subscriber] = []
        self.pace = _bounded(self.options.pace, PACE_BOUNDS)
        self.length = 1.0
        if self.options.length_seconds:
            self.length = _bounded(self.options.length_seconds / routine.length, LENGTH_BOUNDS)
        self.volume = self.options.volume
        self._pattern = self.options.pattern
        self._frames: list[_Frame] = []
        self._expecting: _Expecting | None = None
        self._phase_end: float | None = None
        self._phase_scales: tuple[str, ...] = ()
        self._last_spoken: tuple[tuple[tuple[Step, ...], int], ...] | None = None
        self._local: dict[str, Any] = {}
        self._checkins: dict[str, int] = {}
        self._next_routine: str | None = None
        self._paused_during_speech = False
        self._started = 0.0
        self._playing_tone = False

    # ---- thread-safe API -------------------------------------------------------------------
    def subscribe(self, callback: Subscriber) -> None:
        """Call `callback(event)` for every event, in order, on the runner's thread."""
        self._subscribers.append(callback)

    def control(self, name: str, slots: dict[str, Any] | None = None) -> None:
        if name not in CONTROLS:
            raise ValueError(f"unknown control {name!r}")
        self._queue.put((name, dict(slots or {})))
        self._wake.set()
        if name in INTERRUPTING or (self._playing_tone and name in RETIMING):
            # A tone lasts its whole phase; cut it so the new pace applies at once.
            self.speaker.stop()

    def answer(self, value: Any) -> None:
        self._queue.put(("answer", value))
        self._wake.set()

    def stop(self) -> None:
        self.control("stop")

    # ---- the run ---------------------------------------------------------------------------
    def run(self) -> RunResult:
        self._started = self.clock.now()
        if self.options.speech_rate != 1.0:
            self.speaker.set_rate(self.options.speech_rate)
        if self.options.volume != 1.0:
            self.speaker.set_volume(self.volume)
        self._emit("started", value=self.routine.length * self.length)
        self._frames = [_Frame(self._steps_to_run())]
        while self._frames and self._next_routine is None:
            frame = self._frames[-1]
            if frame.index >= len(frame.steps):
                self._frames.pop()
                if self._frames:
                    self._frames[-1].index += 1
                continue
            step = frame.steps[frame.index]
            kind = type(step).__name__.lower()
            try:
                self._emit("step", text=kind)
                branch = self._execute(step)
                self._emit("step-finished", text=kind)
            except _Jump as jump:
                self._phase_end = None
                self._expecting = None
                if jump.kind == "stop":
                    elapsed = self.clock.now() - self._started
                    self._emit("stopped", value=elapsed)
                    return self._result(False, elapsed)
                self._jump(jump.kind)
                continue
            if branch:
                self._frames.append(_Frame(branch))
            else:
                frame.index += 1
        elapsed = self.clock.now() - self._started
        self._emit("completed", value=elapsed, data={"next_routine": self._next_routine})
        return self._result(True, elapsed)

    def _steps_to_run(self) -> tuple[Step, ...]:
        only = self.options.only_keys
        if only is None:
            return self.routine.steps
        chosen = tuple(
            step
            for step in self.routine.steps
            if isinstance(step, Ask | Record) and step.key in only
        )
        if not chosen:
            raise UserError(f"routine {self.routine.id} has no question for {', '.join(only)}")
        return (*chosen, Say(phrases()["answer_updated"]))

    def _result(self, completed: bool, elapsed: float) -> RunResult:
        return RunResult(
            self.routine.id,
            completed,
            elapsed,
            self._next_routine,
            dict(self._local),
            dict(self._checkins),
        )

    def _jump(self, kind: str) -> None:
        frame = self._frames[-1]
        if kind == "skip":
            frame.index += 1
        elif kind == "back":
            if frame.index > 0:
                frame.index -= 1
            elif len(self._frames) > 1:
                self._frames.pop()  # back to the question that led here
        elif kind == "repeat" and self._last_spoken is not None:
            self._frames = [_Frame(steps, index) for steps, index in self._last_spoken]

    def _execute(self, step: Step) -> tuple[Step, ...] | None:
        if isinstance(step, Say):
            self._say(step.text)
        elif isinstance(step, Pause):
            self._pause(step)
        elif isinstance(step, Breathe):
            self._breathe(step)
        elif isinstance(step, Ask):
            return self._ask(step)
        elif isinstance(step, CheckIn):
            self._checkin(step)
        elif isinstance(step, Record):
            return self._record(step)
        elif isinstance(step, Choose):
            self._choose(step)
        return None

    # ---- speaking --------------------------------------------------------------------------
    def _render(self, text: str) -> str:
        if not templates.has_placeholders(text):
            return text
        values: dict[str, Any] = {}
        for name in templates.placeholder_names(text):
            if name in self._local:
                value = self._local[name]
                values[name] = "\n".join(value) if isinstance(value, list) else str(value)
            elif self._lookup is not None:
                try:
                    saved = self._lookup.get_answer(name)
                except Exception:  # a broken store must not stop a practice: use the fallback
                    saved = None
                if saved:
                    values[name] = saved
        return templates.render(text, values)

    def _say(self, text: str, *, cue: bool = False, template: bool = True) -> None:
        line = self._render(text) if template and not cue else text
        if not cue:
            self._last_spoken = tuple((f.steps, f.index) for f in self._frames)
        while True:
            self._drain()
            self._paused_during_speech = False
            self.speaker.say(line)
            self._drain()
            if not self._paused_during_speech or cue:
                break  # a line cut by "pause" is said again after "resume"; a cue word is not
        self._emit("spoken", text=line, data={"cue": cue})

    # ---- waiting ---------------------------------------------------------------------------
    def _begin_phase(self, end: float, scales: tuple[str, ...] = ()) -> None:
        self._phase_end = end
        self._phase_scales = scales

    def _finish_phase(self, until_answer: bool = False) -> float:
        """Wait for the current phase's (adjustable) deadline; returns it."""
        assert self._phase_end is not None
        while True:
            if until_answer and self._expecting is not None and self._expecting.answers:
                break
            if self.clock.wait_until(self._phase_end, self._wake) and self._queue.empty():
                break
            self._wake.clear()
            self._drain()
        end = self._phase_end
        self._phase_end = None
        return end

    def _scale_phase(self, scale_name: str, ratio: float) -> None:
        if self._phase_end is not None and scale_name in self._phase_scales:
            now = self.clock.now()
            self._phase_end = now + max(0.0, self._phase_end - now) * ratio

    def _drain(self) -> None:
        """Apply every queued control; raises _Jump for stop/skip/back/repeat."""
        while True:
            try:
                name, value = self._queue.get_nowait()
            except queue.Empty:
                return
            if name == "answer":
                self._take_answer(value)
            elif name == "pause":
                self._paused_during_speech = True
                self._emit("paused")
                self._hold_paused()
            else:
                self._apply(name, value)

    def _hold_paused(self) -> None:
        """Stay paused until resume (or a jump); the clock's deadlines move on by the pause."""
        paused_at = self.clock.now()
        while True:
            try:
                name, value = self._queue.get_nowait()
            except queue.Empty:
                # Only wait when the queue is empty: two controls may share one wake-up.
                self.clock.wait_until(self.clock.now() + 3600.0, self._wake)
                self._wake.clear()
                continue
            if name == "answer":
                self._take_answer(value)
                continue
            if name == "pause":
                continue
            if name == "resume":
                break
            if name in INTERRUPTING:
                self._emit("resumed")  # stop/skip/back/repeat end the pause as well
            # Bring the deadline up to now first, so "slower" scales what was left at the pause.
            self._shift_after_pause(paused_at)
            paused_at = self.clock.now()
            self._apply(name, value)
        self._shift_after_pause(paused_at)
        self._emit("resumed")

    def _shift_after_pause(self, paused_at: float) -> None:
        if self._phase_end is not None:
            self._phase_end += self.clock.now() - paused_at

    def _apply(self, name: str, slots: dict[str, Any]) -> None:
        if name in ("stop", "skip", "back", "repeat"):
            self._emit("control", text=name)
            raise _Jump(name)
        new: float | None = None
        if name in ("slower", "faster"):
            old = self.pace
            self.pace = _bounded(
                old * (PACE_STEP if name == "slower" else 1 / PACE_STEP), PACE_BOUNDS
            )
            self._scale_phase("pace", self.pace / old)
            new = self.pace
        elif name in ("shorter", "longer", "duration"):
            old = self.length
            if name == "duration":
                target = float(slots.get("seconds") or 0) / self.routine.length
            else:
                target = old * (LENGTH_STEP if name == "longer" else 1 / LENGTH_STEP)
            if target <= 0:
                return
            self.length = _bounded(target, LENGTH_BOUNDS)
            self._scale_phase("length", self.length / old)
            new = self.length
        elif name in ("louder", "softer"):
            step = VOLUME_STEP if name == "louder" else 1 / VOLUME_STEP
            self.volume = _bounded(self.volume * step, VOLUME_BOUNDS)
            self.speaker.set_volume(self.volume)
            new = self.volume
        elif name == "pattern":
            try:
                self._pattern = patterns.from_phases(
                    slots["inhale"], slots["exhale"], slots.get("hold") or 0
                )
            except (KeyError, TypeError, ValueError):
                return
            new = self._pattern.cycle_seconds
        elif name == "resume":
            return  # not paused: nothing to do
        self._emit("control", text=name, value=new)

    # ---- answers ---------------------------------------------------------------------------
    def _take_answer(self, value: Any) -> None:
        if self._expecting is not None:
            self._expecting.answers.append(value)

    def _await(self, kind: str, wait: float, options: Iterable[str] = ()) -> Any:
        """Wait up to `wait` seconds for one answer; None when none came."""
        expecting = self._expecting or _Expecting(kind)
        self._expecting = expecting
        self._emit("asking", text=kind, data={"options": tuple(options)})
        self._begin_phase(self.clock.now() + wait)
        self._finish_phase(until_answer=True)
        value = expecting.answers.pop(0) if expecting.answers else None
        return value

    def _ask_loop(
        self,
        kind: str,
        wait: float,
        parse: Callable[[Any], Any],
        retry: str | None,
        options: Iterable[str] = (),
    ) -> Any:
        """Ask until a usable answer or no answer; an unusable one gets a gentle retry line."""
        self._expecting = self._expecting or _Expecting(kind)
        deadline = self.clock.now() + wait
        while True:
            remaining = deadline - self.clock.now()
            if remaining <= 0 and not self._expecting.answers:
                return None
            raw = self._await(kind, max(0.0, remaining), options)
            if raw is None or (isinstance(raw, str) and _words(raw) in _SKIP):
                return None
            parsed = parse(raw)
            if parsed is not None:
                return parsed
            if retry:
                self._say(phrases()[retry], template=False)

    def _ask(self, step: Ask) -> tuple[Step, ...] | None:
        if step.key and step.key in self.options.given and step.answer in _GIVEN_PARSERS:
            value = _GIVEN_PARSERS[step.answer](self.options.given[step.key])
            if value is not None:
                return self._answered(step, value)
        self._expecting = _Expecting(step.answer)
        self._say(step.question)
        if step.answer == "yes-no":
            value = self._ask_loop("yes-no", step.wait, _parse_yes_no, "need_yes_no")
        elif step.answer == "number":
            value = self._ask_loop("number", step.wait, _parse_number, "need_number")
        elif step.answer == "text":
            value = self._ask_loop("text", step.wait, _parse_text, None)
        else:
            value = self._collect_list(step)
        self._expecting = None
        return self._answered(step, value)

    def _answered(self, step: Ask, value: Any) -> tuple[Step, ...] | None:
        self._emit(
            "answered",
            value=value,
            data={"key": step.key, "save": step.save, "kind": step.answer},
        )
        if value is not None and step.key:
            self._local[step.key] = value
        if value is None:
            return step.branch("none")
        if step.answer == "yes-no":
            return step.branch("yes" if value else "no")
        if step.answer == "number":
            return step.branch_for_number(value) or step.branch("answered")
        return step.branch("answered")

    def _collect_list(self, step: Ask) -> list[str] | None:
        items: list[str] = []
        while len(items) < step.items:
            if items:
                self._expecting = _Expecting("list")
                self._say(step.next_item or phrases()["next_item"])
            value = self._ask_loop("list", step.wait, _parse_items, None)
            if value is None:
                break
            items.extend(value)
        return items[: step.items] or None

    def _checkin(self, step: CheckIn) -> None:
        self._expecting = _Expecting("checkin")
        self._say(step.prompt or phrases()[f"checkin_{step.moment}"], template=bool(step.prompt))
        value = self._ask_loop("checkin", step.wait, _parse_number, "need_number")
        self._expecting = None
        if value is not None:
            self._checkins[step.moment] = value
            self._emit("checkin", text=step.moment, value=value)

    def _record(self, step: Record) -> tuple[Step, ...] | None:
        self._expecting = _Expecting("record")
        self._say(step.prompt)
        text = self._ask_loop("record", step.wait, _parse_text, None)
        self._expecting = None
        data = {"key": step.key, "save": step.save, "save_text": step.save_text}
        self._emit("recorded", value=text, data=data)
        if text is None:
            return step.if_none or None
        if step.key:
            self._local[step.key] = text
        return None

    def _choose(self, step: Choose) -> None:
        titles = [self._title_of(option) for option in step.options]
        self._expecting = _Expecting("choose")
        if step.prompt:
            self._say(step.prompt)
        else:
            spoken = ", ".join(titles[:-1]) + " or " + titles[-1]
            self._say(templates.render(phrases()["choose"], {"options": spoken}), template=False)

        def parse(value: Any) -> str | None:
            if isinstance(value, str) and _words(value) in _DECLINE:
                return ""  # a clear "no thanks": end here without a next routine
            return _pick(value, step.options, titles)

        chosen = self._ask_loop("choose", step.wait, parse, None, options=titles)
        self._expecting = None
        if chosen:
            self._next_routine = chosen
            self._emit("chosen", value=chosen)

    # ---- timed steps -----------------------------------------------------------------------
    def _pause_factor(self, adjustable: bool) -> float:
        return self.pace * self.length if adjustable else 1.0

    def _pause(self, step: Pause) -> None:
        scales = ("pace", "length") if step.adjustable else ()
        start = self.clock.now()
        if step.cue:
            self._begin_phase(
                start + step.seconds * self._pause_factor(step.adjustable) / 2, scales
            )
            middle = self._finish_phase()
            self._begin_phase(
                middle + step.seconds * self._pause_factor(step.adjustable) / 2, scales
            )
            self._say(step.cue)
        else:
            self._begin_phase(start + step.seconds * self._pause_factor(step.adjustable), scales)
        self._finish_phase()

    def _breathe(self, step: Breathe) -> None:
        t = self.clock.now()
        done = 0
        while True:
            pattern = self._pattern if (step.adjustable and self._pattern) else step.pattern
            mode = self.options.cues if (step.adjustable and self.options.cues) else step.cues
            length = self.length if step.adjustable else 1.0
            if done >= step.planned_cycles(pattern, length):
                break
            words = "cue_words" if done < phrases()["full_cue_cycles"] else "cue_words_short"
            for phase, seconds in (
                ("inhale", pattern.inhale),
                ("hold", pattern.hold_in),
                ("exhale", pattern.exhale),
                ("hold", pattern.hold_out),
            ):
                if seconds <= 0:
                    continue
                pace = self.pace if step.adjustable else 1.0
                self._begin_phase(t + seconds * pace, ("pace",) if step.adjustable else ())
                if mode == "spoken":
                    self._say(phrases()[words][phase], cue=True)
                elif mode == "tones":
                    tone = (
                        min(seconds * pace, HOLD_TONE_SECONDS)
                        if phase == "hold"
                        else seconds * pace
                    )
                    self._drain()
                    self._playing_tone = True
                    try:
                        self.speaker.cue(phase, tone)
                    finally:
                        self._playing_tone = False
                    self._emit("cue", text=phase, value=tone)
                t = self._finish_phase()
            done += 1

    def _emit(
        self,
        kind: str,
        *,
        text: str | None = None,
        value: Any = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        event = RunEvent(kind, self.routine.id, self.clock.now(), text, value, data or {})  # type: ignore[arg-type]
        for callback in list(self._subscribers):
            callback(event)


# ---- answer parsing (pure functions) ---------------------------------------------------------
def _words(value: Any) -> str:
    return " ".join(re.sub(r"[^\w\s-]", " ", str(value).lower()).split())


def _parse_yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _words(value)
    if text in _YES or text.startswith("yes"):
        return True
    if text in _NO or text.startswith("no "):
        return False
    return None


def _parse_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = value
    else:
        text = _words(value)
        if text in _NUMBER_WORDS:
            number = _NUMBER_WORDS[text]
        else:
            try:
                number = float(text)
            except ValueError:
                return None
    if not math.isfinite(number) or not 0 <= number <= 10 or number != int(number):
        return None
    return int(number)


def _parse_text(value: Any) -> str | None:
    text = " ".join(str(value).split())
    return text or None


def _parse_items(value: Any) -> list[str] | None:
    if isinstance(value, list | tuple):
        parts = [str(v) for v in value]
    else:
        parts = re.split(r"[\n,;]", str(value))
    items = [" ".join(p.split()) for p in parts if p.strip()]
    return items or None


def _pick(value: Any, ids: tuple[str, ...], titles: list[str]) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return ids[value - 1] if 1 <= value <= len(ids) else None
    text = _words(value)
    if text.isdigit():
        return _pick(int(text), ids, titles)
    for routine_id, title in zip(ids, titles, strict=True):
        if text in (routine_id, _words(title), routine_id.replace("-", " ")):
            return routine_id
    choices = {i: _words(t) for i, t in zip(ids, titles, strict=True)}
    best = process.extractOne(text, choices, scorer=fuzz.WRatio)
    return best[2] if best and best[1] >= 70 else None


def default_title(routine_id: str) -> str:
    """The routine's spoken title, or its id in words when it has no file."""
    from voice_cecert.routines import loader

    if routine_id in loader.builtin_ids():
        try:
            return loader.load(routine_id).title
        except UserError:  # a title is only for speaking; fall back to the id
            pass
    return routine_id.replace("-", " ")


_GIVEN_PARSERS: dict[str, Callable[[Any], Any]] = {
    "yes-no": _parse_yes_no,
    "number": _parse_number,
    "text": _parse_text,
}
