"""Quick accept/reject check of grammar + matcher on synthesised speech, filler path on or off.

Twenty commands (expected intent from the matcher on the same text) and twenty everyday
sentences that must not be understood, one stream each, per voice, through the real
pocketsphinx engine with the full grammar. A yardstick for the rejection strategy, much smaller
than scripts/bench_intents.py (the full benchmark, other voices and noise).

    python scripts/bench_rejection.py --voices flite:slt,espeak:en-us,flite:rms --filler on
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from voice_cecert import synth
from voice_cecert.asr.select import make_recognizer
from voice_cecert.audio import blocks_from_array
from voice_cecert.intents.matcher import Matcher
from voice_cecert.pipeline import SpeechToIntent

COMMANDS = [
    "start a breathing break", "i keep going over that session", "help me breathe",
    "i need a minute before my next client", "tell me about rumination", "make it three minutes",
    "four in and six out", "seven", "stop", "what can i say", "how am i doing", "yes", "no",
    "pause", "go back", "slower", "start a feelings check in", "name the rumination",
    "i want to kill myself", "change my task positive activities",
]  # fmt: skip
OUT_OF_DOMAIN = [
    "what time is the staff meeting", "the client cancelled again",
    "did you see the game last night", "i need to buy groceries after work",
    "the printer is broken", "can you send the report to my supervisor",
    "it's raining again today", "where did i park the car", "my coffee is cold",
    "the kids have soccer practice tonight", "let me check my email", "we ran out of paper",
    "she said she would call back", "traffic was terrible this morning",
    "i have a dentist appointment on tuesday", "is the conference room free",
    "the weather is nice", "who took my stapler", "i'll be home late",
    "remind the family about the form",
]  # fmt: skip


def run(voice: str, filler: bool, matcher: Matcher) -> tuple[int, int, list[float]]:
    pipeline = SpeechToIntent(make_recognizer("pocketsphinx"), matcher, filler=filler)
    accepted = rejected = 0
    decode: list[float] = []
    for kind, sentences in (("command", COMMANDS), ("ood", OUT_OF_DOMAIN)):
        for text in sentences:
            audio = np.concatenate(
                [synth.silence(0.5), synth.synthesize(text, voice), synth.silence(1.0)]
            )
            pipeline.recognizer.reset()
            results = list(pipeline.run(blocks_from_array(audio)))
            decode += [r.decode_seconds for r in results]
            got = [r.intent for r in results if r.intent is not None]
            if kind == "command":
                expected = matcher.match(text)
                accepted += len(got) == 1 and got[0].name == expected.name
            else:
                rejected += not got
    return accepted, rejected, decode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", default="flite:slt,espeak:en-us,flite:rms")
    parser.add_argument("--filler", choices=("on", "off", "both"), default="both")
    args = parser.parse_args()
    matcher = Matcher()
    fillers = {"on": [True], "off": [False], "both": [False, True]}[args.filler]
    print("| voice | filler path | commands right | out-of-domain rejected "
          "| decode median s | decode max s | wall s |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|")
    for voice in args.voices.split(","):
        for filler in fillers:
            began = time.perf_counter()
            ok, rejected, decode = run(voice, filler, matcher)
            print(
                f"| {voice} | {'on' if filler else 'off'} | {ok}/{len(COMMANDS)} "
                f"| {rejected}/{len(OUT_OF_DOMAIN)} | {statistics.median(decode):.3f} "
                f"| {max(decode):.2f} | {time.perf_counter() - began:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
