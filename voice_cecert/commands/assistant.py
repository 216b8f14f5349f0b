"""`voice-cecert assistant` (also what plain `voice-cecert` runs): the hands-free coach.

Every option has a default because the CLI runs this with no arguments. Without a microphone
or a speech engine it falls back to typed text with a one-line notice, so a screen reader, a
terminal or CI (no stdin: it ends at once, cleanly) all get the same dialogue.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ORDER = 1


def register(sub: Any) -> None:
    p = sub.add_parser(
        "assistant",
        help="talk with the practice coach (the default command)",
        description="Start the hands-free practice coach. Say 'what can I say' any time.",
    )
    p.add_argument("--text", action="store_true", help="type commands and read the answers")
    p.add_argument("--wav", type=Path, metavar="FILE", help="listen to a WAV file, not the mic")
    p.add_argument(
        "--engine", choices=("auto", "vosk", "pocketsphinx"), help="speech recogniser to use"
    )
    p.add_argument("--model", metavar="PATH", help="vosk model folder")
    p.add_argument("--intents", type=Path, metavar="FILE", help="a different intents file")
    p.add_argument(
        "--speaker",
        choices=("auto", "voice", "text", "wav"),
        default="auto",
        help="how answers are given: aloud, printed, or rendered to --out FILE.wav",
    )
    p.add_argument("--out", type=Path, metavar="FILE.wav", help="where --speaker wav writes")
    p.add_argument("--push-to-talk", action="store_true", help="listen only after you press Enter")
    p.add_argument("--always-on", action="store_true", help="never fall asleep after being idle")
    p.add_argument("--no-journal", action="store_true", help="do not log practices")
    p.add_argument("--trace", action="store_true", help="also print what was heard (stderr)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from voice_cecert import launch

    return launch.run_assistant(
        launch.LaunchOptions(
            text=args.text,
            wav=args.wav,
            engine=args.engine,
            model=args.model,
            intents=args.intents,
            speaker=args.speaker,
            out=args.out,
            push_to_talk=args.push_to_talk,
            always_on=args.always_on,
            journal=not args.no_journal,
            trace=args.trace,
        ),
        stdin=sys.stdin,
        stdout=sys.stdout,
    )
