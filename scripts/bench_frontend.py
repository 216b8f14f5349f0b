"""What the audio front end (conditioning, noise gate) does for command recognition.

Twenty commands are spoken by six synthetic voices (flite and espeak-ng) as one session each,
with digital silence between them (as synthesised speech, noise gates and trimmed WAVs have),
and decoded by pocketsphinx with the commands as its grammar. A command counts when the
transcript is exactly it. Each front-end variant is run on the same audio.

`--noise` then decodes the same sessions, with the default front end, mixed with white, pink,
babble and brown noise at 10 and 5 dB SNR (one noise seed each; the noise runs through the
pauses too), and reports correct commands per voice family.

`--first` decodes ten commands as the first utterance of a fresh stream each (and again as
the second), with the whole intents grammar, as `listen` does: a stream's first utterance is
decoded before the engine has heard any speech level or cepstral mean.

    python scripts/bench_frontend.py [--noise] [--first] [--no-variants]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voice_cecert import synth
from voice_cecert.asr.sphinx_engine import SphinxRecognizer
from voice_cecert.audio import blocks_from_array
from voice_cecert.pipeline import SpeechToIntent
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


NOISES = ("white", "pink", "babble", "brown")
SNRS = (10, 5)


def decode(samples) -> int:
    """Correct commands in one session with the front end the app uses (all defaults)."""
    recognizer = SphinxRecognizer()
    recognizer.set_grammar(COMMANDS)
    heard = [t.text for t in map(recognizer.feed, blocks_from_array(samples)) if t]
    final = recognizer.flush()
    return correct(heard + ([final.text] if final else []))


def noise_table(sessions) -> None:
    families = sorted({synth.voice_family(v) for v in VOICES})
    print(f"{'noise':8} {'SNR dB':>6} " + " ".join(f"{f:>9}" for f in families) + f" {'all':>9}")
    rows = [("none", None)] + [(kind, snr) for snr in SNRS for kind in NOISES]
    for kind, snr in rows:
        ok = dict.fromkeys(families, 0)
        for voice, samples in zip(VOICES, sessions, strict=True):
            mixed = samples if snr is None else synth.mix_noise(samples, snr, seed=1, kind=kind)
            ok[synth.voice_family(voice)] += decode(mixed)
        per = {f: sum(synth.voice_family(v) == f for v in VOICES) * len(COMMANDS) for f in families}
        cells = " ".join(f"{ok[f]:>5}/{per[f]:<3}" for f in families)
        total = sum(per.values())
        print(f"{kind:8} {'-' if snr is None else snr:>6} {cells} {sum(ok.values()):>5}/{total:<3}",
              flush=True)  # fmt: skip


FIRST = [
    "make it three minutes",
    "start a breathing break",
    "i need a minute before my next client",
    "go back",
    "what can i say",
    "slow down",
    "three in and six out",
    "i keep going over that session",
    "tell me about rumination",
    "something for recovery",
]


def first_utterances() -> None:
    first = second = 0
    for voice in VOICES:
        for text in FIRST:
            pipeline = SpeechToIntent(SphinxRecognizer())
            samples = synth.session([text, 1.0, text], voice=voice)
            heard = [r.text for r in pipeline.run(blocks_from_array(samples))]
            first += heard[:1] == [text]
            second += heard[1:2] == [text]
    n = len(FIRST) * len(VOICES)
    print(f"first utterance of a stream: {first}/{n} exact; as the second: {second}/{n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noise", action="store_true", help="also decode at 10 and 5 dB SNR")
    parser.add_argument("--no-variants", action="store_true", help="skip the clean variants table")
    parser.add_argument("--first", action="store_true", help="first utterances of streams")
    args = parser.parse_args()
    began = time.perf_counter()
    sessions = [synth.session(COMMANDS, voice=v) for v in VOICES]
    n = len(COMMANDS) * len(VOICES)
    if not args.no_variants:
        print(f"{'conditioning':12} {'noise gate':10} {'correct':>9}")
        for condition in (False, True):
            for gate in (False, True):
                ok = run(sessions, condition, gate)
                print(f"{'on' if condition else 'off':12} {'on' if gate else 'off':10} {ok:>5}/{n}")
    if args.noise:
        noise_table(sessions)
    if args.first:
        first_utterances()
    print(f"({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
