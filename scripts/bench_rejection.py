"""Quick accept/reject check of grammar + matcher on synthetic speech (filler path, phone loop).

Twenty commands (expected intent from the matcher on the same text) and twenty everyday
sentences that must not be understood, one stream each, per voice, through the real
pocketsphinx engine with the full grammar. A yardstick for the rejection strategy, much smaller
than scripts/bench_intents.py (the full benchmark, other voices and noise).

    python scripts/bench_rejection.py --voices flite:slt,espeak:en-us,flite:rms --filler on

`--verify` switches the engine's phone-loop check (sphinx_engine, on by default in the app).
`--numbers` runs the number-answer dialogue state instead: the numbers zero to ten and twenty
said alone at three speeds, and the same everyday sentences, against that state's grammar (the
numbers plus the routine controls), where one-word answers compete with similar words.
`--human` adds the real recordings of Debian's pocketsphinx-testdata as out-of-domain speech
(people reading numbers and a novel: nothing there is a command). "match ms" is the matcher;
"decode" is the engine's work after the endpoint; RTF is wall time over audio time.
"""

from __future__ import annotations

import argparse
import glob
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from voice_cecert import synth
from voice_cecert.asr.sphinx_engine import SphinxRecognizer
from voice_cecert.audio import blocks_from_array, read_wav
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


NUMBERS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "twenty",
]  # fmt: skip
SPEEDS = (0.85, 1.0, 1.2)


def number_state(matcher: Matcher) -> frozenset[str]:
    from voice_cecert.dialogue import ANSWER_INTENTS, ROUTINE_CONTROLS

    return (ROUTINE_CONTROLS | ANSWER_INTENTS["number"]) & frozenset(matcher.intents.names)


HUMAN = sorted(glob.glob("/usr/share/pocketsphinx/test/data/**/*.wav", recursive=True))


def run(
    voice: str,
    filler: bool,
    verify: bool,
    matcher: Matcher,
    verbose: bool = False,
    numbers: bool = False,
) -> tuple[int, int, int, int, list[float], float]:
    """(commands right, commands total, out-of-domain rejected, out-of-domain total,
    post-endpoint seconds (decode + match) per utterance, RTF). voice "human": the
    recordings only. `numbers`: the number-answer state (see the module docstring)."""
    allowed = number_state(matcher) if numbers else None
    pipeline = SpeechToIntent(SphinxRecognizer(verify=verify), matcher, allowed, filler=filler)
    accepted = rejected = 0
    latency: list[float] = []
    wall = audio_seconds = 0.0
    speeds = SPEEDS if numbers else (1.0,)
    commands = NUMBERS if numbers else COMMANDS
    groups = (
        (("ood", HUMAN),) if voice == "human" else (("command", commands), ("ood", OUT_OF_DOMAIN))
    )
    jobs = [(kind, text, speed) for kind, texts in groups for speed in speeds for text in texts]
    for kind, text, speed in jobs:
        speech = read_wav(text) if voice == "human" else synth.synthesize(text, voice, speed)
        audio = np.concatenate([synth.silence(0.5), speech, synth.silence(1.0)])
        pipeline.recognizer.reset()
        began = time.perf_counter()
        results = list(pipeline.run(blocks_from_array(audio)))
        wall += time.perf_counter() - began
        audio_seconds += len(audio) / synth.RATE
        latency += [r.decode_seconds + r.match_seconds for r in results]
        got = [r.intent for r in results if r.intent is not None]
        if kind == "command":
            expected = matcher.match(text, pipeline.allowed)
            ok = len(got) == 1 and (got[0].name, got[0].slots) == (
                expected.name,
                expected.slots,
            )
            accepted += ok
        else:
            ok = not got
            rejected += ok
        if verbose and not ok:
            heard = [(r.text, r.transcript.fit, r.intent and r.intent.name) for r in results]
            said = Path(text).name if voice == "human" else f"{text!r} x{speed}"
            print(f"  {voice} {kind}: {said} -> {heard}")
    ood_total = sum(kind == "ood" for kind, _, _ in jobs)
    command_total = len(jobs) - ood_total
    return accepted, command_total, rejected, ood_total, latency, wall / audio_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", default="flite:slt,espeak:en-us,flite:rms")
    parser.add_argument("--filler", choices=("on", "off", "both"), default="both")
    parser.add_argument("--verify", choices=("on", "off", "both"), default="on")
    parser.add_argument("--human", action="store_true", help="add the testdata recordings")
    parser.add_argument(
        "--numbers", action="store_true", help="the number-answer state (one-word answers)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    matcher = Matcher()
    choice = {"on": [True], "off": [False], "both": [False, True]}
    voices = args.voices.split(",") + (["human"] if args.human else [])
    print("| voice | filler path | phone-loop check | commands right | out-of-domain rejected "
          "| after endpoint median ms | max ms | RTF | wall s |")  # fmt: skip
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for voice in voices:
        for filler in choice[args.filler]:
            for verify in choice[args.verify]:
                began = time.perf_counter()
                ok, n_commands, rejected, total, latency, rtf = run(
                    voice, filler, verify, matcher, args.verbose, args.numbers
                )
                commands = "-" if voice == "human" else f"{ok}/{n_commands}"
                print(
                    f"| {voice} | {'on' if filler else 'off'} | {'on' if verify else 'off'} "
                    f"| {commands} | {rejected}/{total} "
                    f"| {1000 * statistics.median(latency):.0f} | {1000 * max(latency):.0f} "
                    f"| {rtf:.3f} | {time.perf_counter() - began:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
