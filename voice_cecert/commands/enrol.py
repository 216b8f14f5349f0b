"""`voice-cecert enrol`: teach the speech engine your voice by saying 20 sentences back.

The pocketsphinx engine then loads the learned voice whenever the microphone is used (the
assistant and `listen`); see voice_cecert/enrolment.py and voice_cecert/asr/adaptation.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voice_cecert.errors import UserError

ORDER = 40

DONE = (
    "Thank you. I've learned your voice from {taken} of {total} sentences, "
    "and I'll use it from the next time you start me."
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "enrol",
        help="teach the speech engine your voice (say 20 short sentences back)",
        description=(
            "Says 20 short sentences, one at a time; after each chime, say it back. The "
            "pocketsphinx engine then adapts to your voice and microphone whenever you use the "
            "microphone. No recording is kept: only the adapted model (about 3 MB of "
            "statistics), in your data folder. Needs Debian's sphinxtrain, sphinxbase-utils "
            "and pocketsphinx."
        ),
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--wav",
        type=Path,
        metavar="FILE",
        help="learn from a recording of the sentences (see --list) instead of the microphone",
    )
    mode.add_argument("--list", action="store_true", help="print the sentences and stop")
    mode.add_argument("--forget", action="store_true", help="delete the learned voice")
    parser.add_argument(
        "--speaker",
        choices=("auto", "voice", "text"),
        default="auto",
        help="how the sentences are given: aloud (auto, voice) or printed",
    )
    parser.set_defaults(handler=_enrol)


def _enrol(args: argparse.Namespace) -> int:
    from voice_cecert import enrolment
    from voice_cecert.asr import voice_profile
    from voice_cecert.asr.sphinx_engine import BUNDLED_MODEL_KEY

    sentences = enrolment.load_sentences()
    if args.list:
        print("\n".join(sentences))
        return 0
    if args.forget:
        gone = voice_profile.forget(BUNDLED_MODEL_KEY)
        print("Your learned voice is deleted." if gone else "No learned voice was saved.")
        return 0

    from voice_cecert.asr import adaptation, cepstral_mean
    from voice_cecert.config import load_settings

    missing = adaptation.missing_packages()  # before asking anyone to read 20 sentences
    if missing:
        raise UserError(
            "learning a voice needs CMU Sphinx's training tools: "
            f"sudo apt-get install {' '.join(missing)}"
        )
    settings = load_settings()
    _note_if_vosk(settings)
    recognizer = enrolment.shipped_recognizer(settings.trailing_silence)
    if args.wav is not None:
        from voice_cecert.audio import WavSource

        source = WavSource(args.wav)
        result = enrolment.Enrolment(recognizer, None, sentences).from_recording(source)
        return _finish(result, speaker=None)

    from voice_cecert import speech
    from voice_cecert.audio import MicSource

    mic = MicSource()
    speaker = speech.make_speaker(args.speaker, settings, notice_stream=sys.stderr)
    try:
        with cepstral_mean.kept_for(recognizer, mic, settings.remember_microphone):
            session = enrolment.Enrolment(recognizer, speaker, sentences)
            crisis = enrolment.crisis_phrases()
            result = session.prompted(mic, discard=mic.discard_pending, crisis=crisis)
        if result.crisis:  # nothing is learned; the same calm answer as the assistant's
            from voice_cecert.assistant import dialogue_config
            from voice_cecert.dialogue import Messages, crisis_message

            line = dialogue_config(settings).crisis_line
            speaker.say(crisis_message(Messages.load(), line, None))
            return 0
        return _finish(result, speaker)
    finally:
        mic.close()


def _finish(result, speaker) -> int:
    from voice_cecert import enrolment

    enrolment.learn_and_save(result)
    taken, total = len(result.takes), len(result.takes) + len(result.missed)
    line = DONE.format(taken=taken, total=total)
    if speaker is not None:
        speaker.say(line)
    else:
        print(line)
    return 0


def _note_if_vosk(settings) -> None:
    """The learned voice serves pocketsphinx; say so when vosk is the engine in use."""
    from voice_cecert.asr.select import find_vosk_model

    if settings.engine == "pocketsphinx":
        return
    try:
        vosk = settings.engine == "vosk" or find_vosk_model(settings.model_path or None)
    except UserError:
        return
    if vosk:
        print(
            "voice-cecert: note: your speech engine is vosk, which does not use a learned "
            "voice; it serves the pocketsphinx engine (--engine pocketsphinx).",
            file=sys.stderr,
        )
