"""First-cue benchmark: how soon after "start a breathing break" does the first sound start?

Measures the routine side of that path: loading and validating the routine file, starting the
runner until it hands its first line to the speaker, and synthesising that line with espeak-ng
(pyttsx3) - playback starts right after. Cold = a fresh process (nothing cached, as on the first
request after launch); warm = the same steps again in a running app. Prints a table in ms.
Speech recognition and intent matching happen before this and are measured by their own
benchmarks.

    python scripts/bench_first_cue.py [--id breathing] [--repeat 20]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 1000.0


class _FirstLine(Exception):
    pass


def measure(routine_id: str) -> dict[str, float]:
    """One request, in ms: imports, speech engine start, load, runner start, synthesis."""
    t_import = time.perf_counter()
    from voice_cecert import tts
    from voice_cecert.clock import MonotonicClock
    from voice_cecert.routines import loader
    from voice_cecert.routines.runner import Runner

    class Catch:
        speaking = False
        line = ""

        def say(self, text: str) -> None:
            Catch.line = text
            raise _FirstLine

        cue = say

        def stop(self) -> None: ...

        def set_rate(self, f: float) -> None: ...

        def set_volume(self, f: float) -> None: ...

    t_engine = time.perf_counter()
    tts.synthesize("ready", 165)  # the app starts its speech engine at launch, not per request
    t0 = time.perf_counter()
    loader.load.cache_clear()
    routine = loader.load(routine_id)
    t1 = time.perf_counter()
    with contextlib.suppress(_FirstLine):
        Runner(routine, Catch(), MonotonicClock()).run()
    t2 = time.perf_counter()
    tts.synthesize(Catch.line, 165)
    t3 = time.perf_counter()
    return {
        "import": (t_engine - t_import) * 1000,
        "engine": (t0 - t_engine) * 1000,
        "load": (t1 - t0) * 1000,
        "start": (t2 - t1) * 1000,
        "synth": (t3 - t2) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--id", default="breathing")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.id)))
        return 0
    cold_runs = [
        json.loads(
            subprocess.run(
                [sys.executable, __file__, "--child", "--id", args.id],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(3)
    ]
    measure(args.id)  # warm up this process
    warm_runs = [measure(args.id) for _ in range(args.repeat)]
    print(
        f"| {args.id}: stage | cold median ms (3 fresh processes) | warm median ms "
        f"({args.repeat} runs) |"
    )
    print("|---|---|---|")
    totals = {}
    for name, label in (
        ("import", "import app modules (once per app launch)"),
        ("engine", "start speech engine (once per app launch)"),
        ("load", "load + validate routine file"),
        ("start", "runner start -> first line to speaker"),
        ("synth", "synthesise first line (espeak-ng)"),
    ):
        cold = statistics.median(r[name] for r in cold_runs)
        warm = statistics.median(r[name] for r in warm_runs)
        totals[name] = (cold, warm)
        print(f"| {label} | {cold:.1f} | {warm:.1f} |")
    per_request = ("load", "start", "synth")
    cold_total = sum(totals[k][0] for k in per_request)
    warm_total = sum(totals[k][1] for k in per_request)
    launch = cold_total + totals["import"][0] + totals["engine"][0]
    print(f"| request -> first line ready to play | {cold_total:.1f} | {warm_total:.1f} |")
    print(f"| same, in a freshly launched process (all rows) | {launch:.1f} | - |")
    verdict = "PASS" if launch <= TARGET_MS else "FAIL"
    print(f"\nworst case {launch:.0f} ms (target <= {TARGET_MS:g} ms): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
