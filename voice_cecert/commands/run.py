"""`voice-cecert run ID`: run one routine now, aloud or as printed text.

Questions are answered by typing a line (Enter alone, or end of input, skips the question), so
`run` works with a screen reader, in a terminal without audio, and in CI without hanging.
Ctrl-C stops the routine cleanly (the journal records it as stopped).
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from typing import Any

from voice_cecert.clock import Clock, FakeClock, MonotonicClock
from voice_cecert.errors import UserError
from voice_cecert.routines import loader
from voice_cecert.routines.durations import DurationError, parse_duration
from voice_cecert.routines.events import RunEvent, RunResult
from voice_cecert.routines.journal_link import JournalRecorder
from voice_cecert.routines.patterns import PatternBook
from voice_cecert.routines.runner import PACE_BOUNDS, Runner, RunOptions

ORDER = 35


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `run` and `render`."""
    parser.add_argument("id", help="routine id (see: voice-cecert routines)")
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="1.5 = quiet times and breathing 1.5x shorter and speech 1.5x faster (0.5-2.0)",
    )
    parser.add_argument("--length", help="about how long the routine should take, e.g. 3m or 90s")
    parser.add_argument(
        "--cues",
        choices=("spoken", "tones", "silent"),
        help="breathing cues: spoken words, tones only, or silent (default: the routine's own)",
    )
    parser.add_argument(
        "--pattern",
        help="breathing pattern: box, 4-7-8, coherent, extended-exhale, a saved "
        "name, or seconds like 4-6",
    )


def options_from(args: argparse.Namespace) -> RunOptions:
    low, high = PACE_BOUNDS
    if not low <= args.speed <= high:
        raise UserError(f"--speed must be between {low:g} and {high:g}, not {args.speed:g}")
    length = None
    if args.length:
        try:
            length = parse_duration(args.length)
        except DurationError as exc:
            raise UserError(f"--length: {exc}") from None
        if length <= 0:
            raise UserError("--length must be more than zero")
    pattern = PatternBook().get(args.pattern) if args.pattern else None
    return RunOptions(
        pace=1.0 / args.speed,
        length_seconds=length,
        pattern=pattern,
        speech_rate=args.speed,
        cues=args.cues,
    )


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "run",
        help="run one routine now (aloud, or --text)",
        description="Run one routine now. Type answers to questions; Enter or end of input "
        "skips a question. Ctrl-C stops.",
    )
    add_run_options(parser)
    parser.add_argument("--text", action="store_true", help="print instead of speaking")
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="with --text: skip the quiet times (to read a routine through quickly)",
    )
    parser.add_argument(
        "--no-journal", action="store_true", help="do not log this practice in the journal"
    )
    parser.set_defaults(handler=_run)


class StdinAnswers:
    """Answers each question with one typed line; Enter alone or end of input skips it."""

    def __init__(self, runner: Runner, stream: Any = None) -> None:
        self.runner = runner
        self.stream = stream if stream is not None else sys.stdin
        self._hinted = False

    def __call__(self, event: RunEvent) -> None:
        if event.kind != "asking":
            return
        if self.stream is None:
            self.runner.answer(None)
            return
        if not self._hinted and self.stream.isatty():
            print("(type an answer and press Enter; Enter alone skips)", file=sys.stderr)
            self._hinted = True
        try:
            line = self.stream.readline()
        except (OSError, ValueError):
            line = ""
        self.runner.answer(line.strip() or None)


def run_routine(
    routine_id: str,
    speaker: Any,
    clock: Clock,
    options: RunOptions,
    *,
    journal: Any = None,
    answers_from: Any = None,
    subscribe: Callable[[Runner], None] | None = None,
) -> RunResult:
    """Run one routine on a worker thread so Ctrl-C in the main thread stops it cleanly."""
    routine = loader.load(routine_id)
    runner = Runner(routine, speaker, clock, answers=journal, options=options)
    if journal is not None:
        runner.subscribe(JournalRecorder(journal))
    runner.subscribe(StdinAnswers(runner, answers_from))
    if subscribe is not None:
        subscribe(runner)
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = runner.run()
        except BaseException as exc:  # handed to the main thread below
            box["error"] = exc

    thread = threading.Thread(target=work, name=f"routine-{routine_id}", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        runner.stop()
        thread.join(5.0)
        raise
    if "error" in box:
        raise box["error"]
    return box["result"]


def _run(args: argparse.Namespace) -> int:
    loader.load(args.id)  # unknown id: one line, before any audio starts
    options = options_from(args)
    if args.no_wait and not args.text:
        raise UserError("--no-wait only works with --text")
    from voice_cecert.config import load_settings
    from voice_cecert.speech import make_speaker

    speaker = make_speaker("text" if args.text else "auto", load_settings())
    clock: Clock = FakeClock() if args.no_wait else MonotonicClock()
    journal = None
    if not args.no_journal:
        from voice_cecert.journal import Journal

        journal = Journal()
    routine_id: str | None = args.id
    while routine_id is not None:
        result = run_routine(routine_id, speaker, clock, options, journal=journal)
        routine_id = result.next_routine if result.completed else None
    return 0
