"""`voice-cecert render ID --out FILE.wav`: a whole routine, quiet times included, as audio.

The routine runs on a fake clock that a WAV speaker advances, so rendering takes seconds, not
minutes, and the file has exactly the live timing of a run in which nobody answers. Saved
personal answers are left out unless `--personal` (a rendered file may be shared).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voice_cecert.clock import FakeClock
from voice_cecert.commands.run import add_run_options, options_from
from voice_cecert.errors import UserError
from voice_cecert.routines import loader
from voice_cecert.routines.durations import spoken_duration
from voice_cecert.routines.runner import Runner

ORDER = 36


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "render",
        help="render a routine to a WAV file (pauses included)",
        description="Render a whole routine, as a silent listener would hear it, to one WAV.",
    )
    add_run_options(parser)
    parser.add_argument("--out", required=True, type=Path, help="the WAV file to write")
    parser.add_argument(
        "--personal",
        action="store_true",
        help="fill in your saved plan answers (partner's name...) instead of the fallbacks",
    )
    parser.set_defaults(handler=_render)


def render(routine_id: str, out: Path, options, *, answers=None, progress: bool = False):
    """Render and return the WAV's length in seconds."""
    from voice_cecert.config import load_settings
    from voice_cecert.speech import make_speaker

    routine = loader.load(routine_id)
    clock = FakeClock()
    speaker = make_speaker("wav", load_settings(), out=out, clock=clock)
    runner = Runner(routine, speaker, clock, answers=answers, options=options)
    # Nobody answers: each question's answer window becomes quiet time in the file.
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=round(routine.length * runner.length),
            unit="s",
            desc=f"render {routine_id}",
            file=sys.stderr,
            leave=False,
        )
        start = clock.now()

        def advance(event) -> None:
            done = round(event.at - start)
            if done > bar.n:
                bar.total = max(bar.total, done)
                bar.update(done - bar.n)

        runner.subscribe(advance)
    try:
        runner.run()
    finally:
        if bar is not None:
            bar.close()
        speaker.close()
    return speaker.seconds


def _render(args: argparse.Namespace) -> int:
    loader.load(args.id)
    options = options_from(args)
    if args.out.suffix.lower() != ".wav":
        raise UserError(f"--out must name a .wav file, not {args.out}")
    if not args.out.parent.exists():
        raise UserError(f"folder {args.out.parent} does not exist")
    answers = None
    if args.personal:
        from voice_cecert.journal import Journal

        answers = Journal()
    seconds = render(args.id, args.out, options, answers=answers, progress=sys.stderr.isatty())
    print(f"Wrote {args.out} ({spoken_duration(seconds)}, {seconds:.1f} s).")
    return 0
