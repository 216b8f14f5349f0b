"""What the audio front end (conditioning, noise gate) does for command recognition.

Twenty commands are spoken by six synthetic voices (flite and espeak-ng) as one session each,
with digital silence between them (as synthesised speech, noise gates and trimmed WAVs have),
and decoded by pocketsphinx with the commands as its grammar. A command counts when the
transcript is exactly it. Each front-end variant is run on the same audio.

    python scripts/bench_frontend.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voice_cecert import synth
from voice_cecert.asr.sphinx_engine import SphinxRecognizer
from voice_cecert.audio import blocks_from_array
from voice_cecert.vad import Endpointer

COMMANDS = [
    "start a breathing break",
    "i keep going over that session",
    "stop",
    "pause",
    "resume",
    "help",
    "go back",
    "make it slower",
    "yes",
    "no",
    "tell me about rumination",
    "something for recovery",
    "repeat that",
    "skip this step",
    "how am i doing",
    "louder",
    "softer",
    "faster",
    "go to sleep",
    "wake up",
]
VOICES = ("flite:slt", "flite:rms", "flite:awb", "flite:kal16", "espeak:en-us", "espeak:en+m3")


def correct(heard: list[str]) -> int:
    if len(heard) == len(COMMANDS):
        return sum(a == b for a, b in zip(heard, COMMANDS, strict=True))
    return sum(c in heard for c in COMMANDS)  # a split or merged utterance: count what survived


def run(sessions, condition: bool, gate: bool) -> int:
    total = 0
    for samples in sessions:
        recognizer = SphinxRecognizer(condition=condition)
        recognizer.endpointer = Endpointer(noise_margin_db=5.0 if gate else None)
        recognizer.set_grammar(COMMANDS)
        heard = [t.text for t in map(recognizer.feed, blocks_from_array(samples)) if t]
        total += correct(heard)
    return total


def main() -> None:
    began = time.perf_counter()
    sessions = [synth.session(COMMANDS, voice=v) for v in VOICES]
    n = len(COMMANDS) * len(VOICES)
    print(f"{'conditioning':12} {'noise gate':10} {'correct':>9}")
    for condition in (False, True):
        for gate in (False, True):
            ok = run(sessions, condition, gate)
            print(f"{'on' if condition else 'off':12} {'on' if gate else 'off':10} {ok:>5}/{n}")
    print(f"({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
