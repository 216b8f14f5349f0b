"""How well the shared endpointer cuts utterances in noise, with and without its noise gate.

A synthetic session of four commands (flite and espeak voices) is mixed with white, pink,
brown (car-like) and babble noise at several SNRs (several noise seeds each). A mix counts as
segmented correctly when the endpointer finds exactly the four utterances, each starting
within 0.3 s and ending within 0.45 s of where the speech really is. "end error" is the median,
over the utterances found, of (endpointer's end of speech - real end of speech) in ms, for the
gated endpointer: negative means the gate closed on the quiet end of a word.

A second table, "noise onset", starts a steady noise 3 s into a stream that was silent (a fan
switched on, a car starting) and reports how long the gate then wrongly holds an utterance open.

    python scripts/bench_endpointer.py [--seeds 3] [--snrs 30,20,10,5]
        [--continue-db 2] [--window 3]     # gate settings (defaults: vad.py's)

`--continue-db 5 --window 1000` reproduces the gate as it was before the noise window.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voice_cecert import synth
from voice_cecert.audio import blocks_from_array
from voice_cecert.vad import CONTINUE_MARGIN_DB, NOISE_WINDOW, Endpointer

SAID = ["stop", 1.5, "start a breathing break", 1.5, "i keep going over that session", 1.0, "no"]
KINDS = ("white", "pink", "brown", "babble")
SNRS = (30, 20, 10, 5)
VOICES = ("flite:slt", "espeak:en-us")


def spans(samples, **options) -> list[tuple[float, float]]:
    endpointer = Endpointer(**options)
    found = [s.ended for s in map(endpointer.push, blocks_from_array(samples)) if s.ended]
    last = endpointer.finish()
    return found + ([last] if last else [])


def end_errors(found, marks) -> list[float]:
    """End error (s) of each found utterance against the real utterance it overlaps most."""
    errors = []
    for start, end in found:
        overlap = [max(0.0, min(end, m.end) - max(start, m.start)) for m in marks]
        best = int(np.argmax(overlap))
        if overlap[best] > 0:
            errors.append(end - marks[best].end)
    return errors


def noise_onset(kind: str, snr_gate: float, gate: dict) -> float:
    """Seconds an utterance stays open after a steady noise starts 3 s into a silent stream.

    The noise is `snr_gate` dB louder than a faint room floor (not speech-relative). Returns
    the length of the longest utterance the noise alone opened (0 when none).
    """
    rate = 16000
    floor = synth.noise("pink", 40 * rate, seed=9) * 30
    loud = synth.noise(kind, 37 * rate, seed=10) * 30 * 10 ** (snr_gate / 20)
    floor[3 * rate :] += loud
    samples = np.clip(np.round(floor), -32768, 32767).astype(np.int16)
    found = spans(samples, max_utterance=60.0, **gate)
    return max((end - start for start, end in found), default=0.0)


def correct(found, marks) -> bool:
    return len(found) == len(marks) and all(
        abs(start - m.start) < 0.3 and abs(end - m.end) < 0.45
        for (start, end), m in zip(found, marks, strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--snrs", default=",".join(map(str, SNRS)))
    parser.add_argument("--continue-db", type=float, default=CONTINUE_MARGIN_DB)
    parser.add_argument("--window", type=float, default=NOISE_WINDOW)
    args = parser.parse_args()
    gate = {"continue_margin_db": args.continue_db, "noise_window": args.window}
    snrs = [float(x) for x in args.snrs.split(",")]
    sessions = [synth.session_with_marks(SAID, voice=v, lead=1.0, tail=1.5) for v in VOICES]
    rows = []
    began = time.perf_counter()
    for kind in KINDS:
        for snr in snrs:
            counts = {"gate": 0, "vad only": 0}
            total, errors = 0, []
            for samples, marks in sessions:
                for seed in range(args.seeds):
                    noisy = synth.mix_noise(samples, snr, seed=seed, kind=kind)
                    total += 1
                    found = spans(noisy, **gate)
                    errors += end_errors(found, marks)
                    counts["gate"] += correct(found, marks)
                    counts["vad only"] += correct(spans(noisy, noise_margin_db=None), marks)
            rows.append((kind, f"{snr:g}", counts["vad only"], counts["gate"], total, errors))
    clean_found = [(spans(s, **gate), m) for s, m in sessions]
    clean_errors = [e for f, m in clean_found for e in end_errors(f, m)]
    clean = [
        (correct(f, m), correct(spans(s, noise_margin_db=None), m))
        for (f, m), (s, _) in zip(clean_found, sessions, strict=True)
    ]
    rows.insert(0, ("none", "-", sum(c[1] for c in clean), sum(c[0] for c in clean),
                    len(clean), clean_errors))  # fmt: skip
    held = "same as to open" if args.continue_db is None else f"{args.continue_db:g} dB"
    print(f"gate: margin to continue {held}, noise window {args.window:g} s")
    print(f"{'noise':8} {'SNR dB':>6} {'VAD only':>9} {'VAD+gate':>9} {'end error':>10}")
    for kind, snr, vad_only, gated, total, errors in rows:
        median = f"{1000 * statistics.median(errors):+.0f} ms" if errors else "-"
        print(f"{kind:8} {snr:>6} {vad_only:>6}/{total:<2} {gated:>6}/{total:<2} {median:>10}")
    all_vad = sum(r[2] for r in rows[1:])
    all_gate = sum(r[3] for r in rows[1:])
    total = sum(r[4] for r in rows[1:])
    print(f"{'all noisy':8} {'':>5} {all_vad:>6}/{total:<2} {all_gate:>6}/{total:<2}")
    print("\nnoise onset (3 s into a quiet stream): longest utterance the noise alone held open")
    for kind in ("white", "pink", "babble"):
        cells = [f"+{db} dB: {noise_onset(kind, db, gate):5.1f} s" for db in (10, 20, 30)]
        print(f"{kind:8} " + "   ".join(cells))
    print(f"({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
