"""Render benchmark: every routine rendered to WAV, compared with its independently planned length.

For each routine: render it with the real WAV speaker (espeak-ng speech via pyttsx3, fake clock),
then plan its length from the script alone plus each line's measured synthesis time (see
voice_cecert/routines/plan.py). Prints a table; the target is |difference| <= 2 %.

    python scripts/bench_render.py              # all routines
    python scripts/bench_render.py breathing    # some
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voice_cecert import tones, tts
from voice_cecert.commands.render import render
from voice_cecert.config import Settings
from voice_cecert.routines import loader
from voice_cecert.routines.plan import plan
from voice_cecert.routines.runner import RunOptions
from voice_cecert.speech import cue_seconds

TARGET_PERCENT = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*")
    args = parser.parse_args()
    ids = args.ids or sorted(loader.builtin_ids())
    settings = Settings()
    voice = tts.resolve_voice(settings.voice)

    def speech(text: str, cue: bool) -> float:
        return tts.synthesize(text, settings.rate, voice).seconds

    def tone(kind: str, seconds: float) -> float:
        return len(tones.cue_samples(kind, cue_seconds(seconds), 22050)) / 22050

    print("| routine | planned s | WAV s | difference % | speech s | render wall s |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for routine_id in ids:
            out = Path(folder) / f"{routine_id}.wav"
            began = time.perf_counter()
            render(routine_id, out, RunOptions())
            wall = time.perf_counter() - began
            with wave.open(str(out)) as wav:
                seconds = wav.getnframes() / wav.getframerate()
            planned = plan(loader.load(routine_id), speech, tone_seconds=tone)
            diff = (seconds - planned.seconds) / planned.seconds * 100
            worst = max(worst, abs(diff))
            print(
                f"| {routine_id} | {planned.seconds:.2f} | {seconds:.2f} | {diff:+.3f} "
                f"| {planned.speech:.1f} | {wall:.2f} |"
            )
    verdict = "PASS" if worst <= TARGET_PERCENT else "FAIL"
    print(f"\nworst difference {worst:.3f} % (target <= {TARGET_PERCENT:g} %): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
