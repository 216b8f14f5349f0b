"""Speech output latency: from say()/cue() to the first sample handed to the player.

A breathing cue should start within ~1 s of asking (aim: < 300 ms). Synthesis is real
(pyttsx3 + espeak-ng); the sound card is a RecordingPlayer, so the figure is what the app adds
before the audio device's own buffer latency. Run: python scripts/bench_tts.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voice_cecert.audio_out import RecordingPlayer
from voice_cecert.speech import Pyttsx3Speaker

CASES = [
    ("say: short cue line", "say", "Breathe in."),
    ("say: one sentence", "say", "Let your shoulders drop and notice your feet on the floor."),
    (
        "say: three sentences",
        "say",
        "Welcome back. This is a two minute breathing practice. "
        "Sit comfortably and let your eyes close if that feels right.",
    ),
    ("cue: inhale tone 4 s", "cue", "inhale"),
]


def measure(speaker: Pyttsx3Speaker, player: RecordingPlayer, kind: str, arg: str) -> float:
    player.first_sample_at = None
    started = time.perf_counter()
    if kind == "say":
        speaker.say(arg)
    else:
        speaker.cue(arg, 4.0)
    assert player.first_sample_at is not None
    return (player.first_sample_at - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--portaudio",
        action="store_true",
        help="also time whole say() calls through the real SoundDevicePlayer; on a device that "
        "does not pace playback (ALSA null/file) that is an upper bound on time to first sample",
    )
    args = parser.parse_args()
    player = RecordingPlayer()
    started = time.perf_counter()
    speaker = Pyttsx3Speaker(player=player)
    speaker.say("ready")  # first use starts the engine
    cold = (time.perf_counter() - started) * 1000
    print(f"engine start + first line: {cold:.1f} ms")
    print(f"{'case':<24} {'audio s':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for label, kind, arg in CASES:
        times = sorted(measure(speaker, player, kind, arg) for _ in range(args.repeat))
        audio_s = len(player.lines[-1][0]) / player.lines[-1][1]
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(
            f"{label:<24} {audio_s:>8.2f} {statistics.median(times):>10.1f} "
            f"{p95:>8.1f} {times[-1]:>8.1f}"
        )
    if args.portaudio:
        from voice_cecert.audio_out import SoundDevicePlayer, output_device_name

        device = SoundDevicePlayer()
        real = Pyttsx3Speaker(player=device)
        print(f"through SoundDevicePlayer on '{output_device_name()}' (whole say() call):")
        for label, kind, arg in CASES[:1]:
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                real.say(arg) if kind == "say" else real.cue(arg, 4.0)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            print(
                f"{label:<24} {'':>8} {statistics.median(times):>10.1f} "
                f"{p95:>8.1f} {times[-1]:>8.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
