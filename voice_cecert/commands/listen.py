"""`voice-cecert listen`: hear an utterance (mic, WAV or stdin) and say what it was understood as.

For checking the speech side on its own: what the recogniser heard, which intent and routine
it maps to, with slots and score. One line per utterance, so it reads well in a terminal and
with a screen reader; `--json` gives one JSON object per line for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable

from voice_cecert.asr import cepstral_mean, voice_profile
from voice_cecert.asr.select import ENGINES, recognizer_from_settings
from voice_cecert.config import load_settings
from voice_cecert.errors import UserError
from voice_cecert.intents.loader import load_intents
from voice_cecert.intents.matcher import Matcher
from voice_cecert.pipeline import SpeechToIntent, UtteranceResult

ORDER = 30


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "listen",
        help="hear one utterance and print what it was understood as",
        description=(
            "Listens (microphone by default, or a WAV file, or raw 16 kHz mono 16-bit PCM on "
            "standard input) and prints, per utterance, the words heard, the intent, the "
            "routine it would start, slots and score. 'not understood' means no intent."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--wav", metavar="FILE", help="read speech from a WAV file")
    source.add_argument(
        "--stdin", action="store_true", help="read raw 16 kHz mono s16le PCM from stdin"
    )
    parser.add_argument("--engine", choices=ENGINES, help="speech engine (default: settings)")
    parser.add_argument("--model", metavar="PATH", help="vosk model folder")
    parser.add_argument("--intents", metavar="FILE", help="intents file (hassil YAML format)")
    parser.add_argument(
        "--only",
        metavar="NAMES",
        help="comma-separated intents or groups to listen for (default: all)",
    )
    parser.add_argument(
        "--free", action="store_true", help="free dictation instead of the command grammar"
    )
    parser.add_argument(
        "--filler",
        action="store_true",
        help="let unrelated speech decode as filler words (pocketsphinx; rejects more, slower)",
    )
    parser.add_argument(
        "--continuous", action="store_true", help="with the microphone: keep listening"
    )
    parser.add_argument(
        "--learned-voice",
        action="store_true",
        help="decode a WAV or stdin with the voice learned by voice-cecert enrol too (the "
        "microphone always uses it): to check what the app hears from your own recordings",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per utterance")
    parser.set_defaults(handler=_listen)


def _listen(args: argparse.Namespace) -> int:
    intents = load_intents(args.intents)
    allowed = _allowed(args.only, intents.resolve)
    blocks = _source(args)
    settings = load_settings()
    recognizer = recognizer_from_settings(
        settings,
        engine=args.engine,
        model_path=args.model,
        # the microphone only, as the mean below, unless asked for
        voice=voice_profile.for_session(blocks, always=args.learned_voice),
    )
    pipeline = SpeechToIntent(
        recognizer,
        Matcher(intents),
        allowed,
        grammar=not args.free,
        filler=True if args.filler else None,
    )
    once = not (args.wav or args.stdin or args.continuous)
    with cepstral_mean.kept_for(recognizer, blocks, settings.remember_microphone):
        for result in pipeline.run(blocks):
            print(_render(result, args.json), flush=True)
            if once:
                break
    return 0


def _allowed(only: str | None, resolve) -> list[str] | None:
    if not only:
        return None
    names = [n.strip() for n in only.split(",") if n.strip()]
    try:
        resolve(names)
    except ValueError as exc:
        raise UserError(f"--only: {exc}") from None
    return names


def _source(args: argparse.Namespace) -> Iterable[bytes]:
    from voice_cecert.audio import MicSource, StdinSource, WavSource

    if args.wav:
        return WavSource(args.wav)
    if args.stdin:
        return StdinSource(sys.stdin.buffer)
    if not args.json:
        print("listening... (say a command; Ctrl-C stops)", file=sys.stderr, flush=True)
    return MicSource()


def _render(result: UtteranceResult, as_json: bool) -> str:
    if as_json:
        return json.dumps(result.to_json(), ensure_ascii=False)
    t = result.transcript
    heard = f'heard "{t.text}"' if t.text else "heard nothing clear"
    when = f"{t.start:.2f}-{t.end:.2f} s"
    intent = result.intent
    if intent is None:
        doubted = t.text and t.grammar and not t.verified
        why = " (the phrase fits the sound far worse than free speech)" if doubted else ""
        return f"{when}: {heard}: not understood{why}"
    parts = [f"intent {intent.name}"]
    if intent.routine:
        parts.append(f"starts {intent.routine}")
    if intent.slots:
        parts.append(" ".join(f"{k}={v}" for k, v in intent.slots.items()))
    parts.append(f"score {intent.score:g}")
    return f"{when}: {heard}: " + ", ".join(parts)
