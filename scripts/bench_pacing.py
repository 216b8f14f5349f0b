"""Pacing benchmark: does a breathing run on the real clock end when planned?

Runs the routine runner on the real MonotonicClock (not a fake one) with speakers that make no
sound: one returns at once, one takes 0.4 s per cue as real speech would (interruptible by
stop()). Every variant runs in its own thread at the same time, so a 10-minute run takes ten
minutes in all. Prints a table: planned length, measured length, end error, and how late the
cues started compared with their planned offsets.

    python scripts/bench_pacing.py                 # 10-minute 4-7-8, the target case
    python scripts/bench_pacing.py --minutes 1     # a quick look
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voice_cecert.clock import MonotonicClock
from voice_cecert.routines import patterns
from voice_cecert.routines.model import Breathe, Routine
from voice_cecert.routines.runner import Runner

TARGET_MS = 50.0


class SilentSpeaker:
    """Takes `seconds` per line or cue (0 = returns at once); stop() cuts it short."""

    speaking = False

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.starts: list[float] = []
        self._stop = threading.Event()

    def _talk(self) -> None:
        self.starts.append(time.monotonic())
        self._stop.clear()
        if self.seconds:
            self._stop.wait(self.seconds)

    def say(self, text: str) -> None:
        self._talk()

    def cue(self, kind: str, seconds: float) -> None:
        self._talk()

    def stop(self) -> None:
        self._stop.set()

    def set_rate(self, factor: float) -> None:
        pass

    def set_volume(self, factor: float) -> None:
        pass


def planned_offsets(pattern, cycles: int) -> list[float]:
    offsets, t = [], 0.0
    for _ in range(cycles):
        for seconds in (pattern.inhale, pattern.hold_in, pattern.exhale, pattern.hold_out):
            if seconds > 0:
                offsets.append(t)
                t += seconds
    return offsets


def run_variant(name: str, preset: str, cues: str, speech_s: float, minutes: float, rows: list):
    pattern = patterns.presets()[preset]
    step = Breathe(pattern, seconds=minutes * 60, cues=cues)
    routine = Routine("bench", "recovery", "Bench", "Pacing benchmark", minutes * 60, (step,))
    speaker = SilentSpeaker(speech_s)
    cycles = step.planned_cycles()
    planned = cycles * pattern.cycle_seconds
    runner = Runner(routine, speaker, MonotonicClock())
    start = time.monotonic()
    runner.run()
    measured = time.monotonic() - start
    late = [
        (actual - start - offset) * 1000
        for actual, offset in zip(speaker.starts, planned_offsets(pattern, cycles), strict=False)
    ]
    rows.append(
        (name, planned, measured, (measured - planned) * 1000, statistics.median(late), max(late))
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    variants = [
        ("4-7-8, spoken cues, instant speaker", "4-7-8", "spoken", 0.0),
        ("4-7-8, spoken cues, 0.4 s per cue", "4-7-8", "spoken", 0.4),
        ("4-7-8, tones, 0.4 s per cue", "4-7-8", "tones", 0.4),
        ("box, spoken cues, 0.4 s per cue", "box", "spoken", 0.4),
    ]
    rows: list = []
    threads = [
        threading.Thread(target=run_variant, args=(*v, args.minutes, rows)) for v in variants
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows.sort(key=lambda r: [v[0] for v in variants].index(r[0]))
    print(
        f"| variant ({args.minutes:g} min asked) | planned s | measured s | end error ms "
        f"| cue lateness median ms | cue lateness max ms |"
    )
    print("|---|---|---|---|---|---|")
    worst = 0.0
    for name, planned, measured, error, median, most in rows:
        worst = max(worst, abs(error))
        print(
            f"| {name} | {planned:.1f} | {measured:.3f} | {error:+.1f} | {median:.1f} "
            f"| {most:.1f} |"
        )
    verdict = "PASS" if worst <= TARGET_MS else "FAIL"
    print(f"\nworst end error {worst:.1f} ms (target <= {TARGET_MS:g} ms): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
