"""`voice-cecert say TEXT [--text] [--out FILE.wav]`: a quick check of the app's voice."""

from __future__ import annotations

import argparse

from voice_cecert import tts
from voice_cecert.config import load_settings
from voice_cecert.errors import UserError
from voice_cecert.speech import WavSpeaker, make_speaker

ORDER = 60


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "say",
        help="say a line aloud (or print it / write it to a WAV file) to check the voice",
        description="Speaks TEXT with the configured voice, rate and volume.",
    )
    parser.add_argument("words", nargs="*", metavar="TEXT", help="what to say")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--text", dest="text_only", action="store_true", help="print instead of speaking"
    )
    mode.add_argument("--out", metavar="FILE.wav", help="write the speech to a WAV file")
    mode.add_argument("--voices", action="store_true", help="list the voices you can choose")
    parser.add_argument("--voice", help="voice id or name (see --voices)")
    parser.add_argument("--rate", type=int, help="words per minute (80-400)")
    parser.add_argument("--volume", type=float, help="0.0 to 1.0")
    parser.set_defaults(handler=_say)


def _say(args: argparse.Namespace) -> int:
    if args.voices:
        try:
            voices = tts.list_voices()
        except tts.TtsUnavailable as exc:
            raise UserError(f"no speech engine: {exc} -> install espeak-ng") from exc
        for v in voices:
            print(f"{v.id}  {v.name}")
        return 0
    text = " ".join(args.words).strip()
    if not text:
        raise UserError('nothing to say: give the text, e.g. voice-cecert say "hello"')
    settings = load_settings().with_overrides(voice=args.voice, rate=args.rate, volume=args.volume)
    if args.out:
        speaker = make_speaker("wav", settings, out=args.out)
        assert isinstance(speaker, WavSpeaker)
        with speaker:
            speaker.say(text)
        print(f"wrote {args.out} ({speaker.seconds:.2f} s)")
        return 0
    make_speaker("text" if args.text_only else "auto", settings).say(text)
    return 0
