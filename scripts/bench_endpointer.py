"""How well the shared endpointer cuts utterances in noise, with and without its noise gate.

A synthetic session of four commands (flite and espeak voices) is mixed with white, pink,
brown (car-like) and babble noise at several SNRs (several noise seeds each). A mix counts as
segmented correctly when the endpointer finds exactly the four utterances, each starting
within 0.3 s and ending within 0.45 s of where the speech really is.

    python scripts/bench_endpointer.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voice_cecert import synth
from voice_cecert.audio import blocks_from_array
from voice_cecert.vad import Endpointer

SAID = ["stop", 1.5, "start a breathing break", 1.5, "i keep going over that session", 1.0, "no"]
KINDS = ("white", "pink", "brown", "babble")
SNRS = (30, 20, 10, 5)
VOICES = ("flite:slt", "espeak:en-us")


def spans(samples, **options) -> list[tuple[float, float]]:
    endpointer = Endpointer(**options)
    found = [s.ended for s in map(endpointer.push, blocks_from_array(samples)) if s.ended]
    last = endpointer.finish()
    return found + ([last] if last else [])


def correct(found, marks) -> bool:
    return len(found) == len(marks) and all(
        abs(start - m.start) < 0.3 and abs(end - m.end) < 0.45
        for (start, end), m in zip(found, marks, strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    sessions = [synth.session_with_marks(SAID, voice=v, lead=1.0, tail=1.5) for v in VOICES]
    rows = []
    began = time.perf_counter()
    for kind in KINDS:
        for snr in SNRS:
            counts = {"gate": 0, "vad only": 0}
            total = 0
            for samples, marks in sessions:
                for seed in range(args.seeds):
                    noisy = synth.mix_noise(samples, snr, seed=seed, kind=kind)
                    total += 1
                    counts["gate"] += correct(spans(noisy), marks)
                    counts["vad only"] += correct(spans(noisy, noise_margin_db=None), marks)
            rows.append((kind, snr, counts["vad only"], counts["gate"], total))
    clean = [
        (correct(spans(s), m), correct(spans(s, noise_margin_db=None), m)) for s, m in sessions
    ]
    print(f"{'noise':8} {'SNR dB':>6} {'VAD only':>9} {'VAD+gate':>9}")
    print(f"{'none':8} {'-':>6} {sum(c[1] for c in clean):>6}/{len(clean):<2} "
          f"{sum(c[0] for c in clean):>6}/{len(clean):<2}")  # fmt: skip
    for kind, snr, vad_only, gated, total in rows:
        print(f"{kind:8} {snr:>6} {vad_only:>6}/{total:<2} {gated:>6}/{total:<2}")
    all_vad = sum(r[2] for r in rows)
    all_gate = sum(r[3] for r in rows)
    total = sum(r[4] for r in rows)
    print(f"{'all':8} {'':>6} {all_vad:>6}/{total:<2} {all_gate:>6}/{total:<2}")
    print(f"({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
