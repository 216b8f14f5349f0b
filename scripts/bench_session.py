#!/usr/bin/env python
"""Session latency benchmark: from the end of a spoken command to the app's answer.

Whole synthetic sessions (flite and espeak-ng voices, commands with silences between them) are
written to WAV files and fed to the real assistant: endpointer, pocketsphinx, intents matcher,
dialogue, routine runner and the WAV speaker, which synthesises every line with espeak-ng.

How the latency is measured, honestly split in two and added up:
- endpoint wait (audio time): from the true end of the command's speech (the synthesiser's
  marks) to the end of the audio block on which the recogniser returned the utterance. A live
  microphone delivers that block at that moment, so this part is exact.
- processing (wall time): from the start of the `feed` call for that block to the moment the
  answer's first audio sample exists (the WAV speaker has synthesised it and places it), or
  with `--speaker text`, to the moment the line is printed. This covers decoding, matching,
  the dialogue, starting a routine and speech synthesis. Around each command's end the audio
  is fed at real-time pace, like a microphone; elsewhere faster, and the real-time factor of
  the processing is reported: below 1, live audio would keep up.
Commands that get no spoken answer by design (e.g. "slower" mid-routine changes the pace
silently), or were not understood at all (an empty transcript), are counted as "silent" and
left out of the latency figures; breathing cues are never taken for an answer.

Startup ("ready to listen") is measured in a fresh interpreter: from before importing
voice_cecert to the moment the recogniser holds the idle grammar and the greeting's first sample
exists.

Usage: python scripts/bench_session.py [--speaker wav|text] [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "scripts" / ".cache" / "bench_session"
ANSWER_WINDOW_S = 3.0  # an answer must begin this soon after the utterance was returned
PACE_BEFORE_S = 1.0

# (name, voice, parts): text is spoken, floats are seconds of silence.
SESSIONS: list[tuple[str, str, list[str | float]]] = [
    ("help-menu", "flite:slt", ["what can I say", 9.0, "menu", 11.0, "how am I doing", 10.0]),
    (
        "help-more",
        "flite:rms",
        ["what can I say", 9.0, "more", 14.0, "tell me about rumination", 9.0],
    ),
    ("breathing", "flite:awb", ["start a breathing break", 14.0, "slower", 12.0, "stop", 4.0]),
    (
        "pause",
        "flite:kal16",
        ["start a breathing break", 12.0, "pause", 8.0, "resume", 8.0, "stop", 4.0],
    ),
    ("sleep-wake", "espeak:en-us", ["go to sleep", 6.0, "hey coach", 5.0, "how am I doing", 10.0]),
    ("mindful", "flite:slt", ["a mindful moment", 10.0, "yes", 6.0, "stop", 4.0]),
    ("voice", "flite:rms", ["slower", 5.0, "louder", 5.0, "faster", 5.0, "softer", 5.0]),
    ("espeak", "espeak:en-gb+f2", ["start a breathing break", 12.0, "stop", 5.0, "menu", 10.0]),
    ("rumination", "flite:awb", ["I keep going over that session", 12.0, "stop", 5.0]),
    ("checkin", "flite:kal16", ["start a between clients reset", 14.0, "five", 8.0, "stop", 4.0]),
]


@dataclass(frozen=True)
class Command:
    session: str
    text: str
    heard: str
    endpoint_ms: float
    processing_ms: float | None  # None: no spoken answer (by design or by mistake)

    @property
    def total_ms(self) -> float | None:
        return None if self.processing_ms is None else self.endpoint_ms + self.processing_ms


class TimedRecognizer:
    """The real recogniser, noting where in the stream and when (wall) each result came.

    Around the end of each command (from PACE_BEFORE_S before it until ANSWER_WINDOW_S after)
    blocks are fed at real-time pace, as a microphone would deliver them, so that the answer's
    synthesis competes for the CPU with a live-paced loop rather than with the faster than
    real-time replay of the rest of the file.
    """

    def __init__(self, inner: Any, block_s: float, command_ends: list[float]) -> None:
        self.inner = inner
        self.block_s = block_s
        self.command_ends = command_ends
        self.fed = 0
        self.results: list[tuple[float, float, Any]] = []  # (stream end of block, wall, T)
        self._next_wall = 0.0

    def _pace(self) -> None:
        t = self.fed * self.block_s
        now = time.perf_counter()
        if any(end - PACE_BEFORE_S <= t <= end + ANSWER_WINDOW_S for end in self.command_ends):
            if now < self._next_wall:
                time.sleep(self._next_wall - now)
            self._next_wall = max(now, self._next_wall) + self.block_s
        else:
            self._next_wall = now + self.block_s

    def feed(self, block: bytes) -> Any:
        self._pace()
        began = time.perf_counter()
        transcript = self.inner.feed(block)
        self.fed += 1
        if transcript is not None:
            self.results.append((self.fed * self.block_s, began, transcript))
        return transcript

    def flush(self) -> Any:
        began = time.perf_counter()
        transcript = self.inner.flush()
        if transcript is not None:
            self.results.append((self.fed * self.block_s, began, transcript))
        return transcript

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def first_sample_speaker(kind: str, path: Path, clock: Any, settings: Any) -> tuple[Any, list]:
    """A real speaker that notes (wall time, stream time, text) when each line's first sample
    exists (WAV: synthesised and placed) or when it was printed (text)."""
    from voice_cecert.speech import TextSpeaker, WavSpeaker

    starts: list[tuple[float, float, str]] = []
    if kind == "text":

        class Printing(TextSpeaker):
            def say(self, text: str) -> None:
                super().say(text)
                starts.append((time.perf_counter(), clock.now(), text))

        return Printing(io.StringIO()), starts

    class Placing(WavSpeaker):
        _text = ""

        def say(self, text: str) -> None:
            self._text = text
            super().say(text)

        def cue(self, kind: str, seconds: float) -> None:
            self._text = f"({kind})"
            super().cue(kind, seconds)

        def _place(self, samples, rate) -> None:  # type: ignore[override]
            starts.append((time.perf_counter(), clock.now(), self._text))
            super()._place(samples, rate)

    speaker = Placing(path, clock, rate=settings.rate, volume=settings.volume, cue_mode="spoken")
    return speaker, starts


def run_session(name: str, voice: str, parts: list, kind: str, workdir: Path) -> tuple:
    from voice_cecert import audio, config, synth
    from voice_cecert.asr.select import make_recognizer
    from voice_cecert.assistant import build_session
    from voice_cecert.intents.loader import load_intents
    from voice_cecert.journal import Journal
    from voice_cecert.routines.runner import phrases as runner_phrases
    from voice_cecert.stream_clock import StreamClock

    samples, marks = synth.session_with_marks(parts, voice, lead=5.0, tail=3.0)
    wav = CACHE / f"{name}.wav"
    synth.write_wav(wav, samples)
    settings = config.Settings()
    clock = StreamClock()
    speaker, starts = first_sample_speaker(kind, workdir / f"{name}-app.wav", clock, settings)
    session = build_session(
        speaker=speaker,
        clock=clock,
        settings=settings,
        intents=load_intents(),
        journal=Journal(workdir / f"{name}.sqlite3"),
    )
    recognizer = TimedRecognizer(
        make_recognizer("pocketsphinx"), audio.BLOCK_SECONDS, [m.end for m in marks]
    )
    began = time.perf_counter()
    try:
        session.run_audio(audio.WavSource(wav), recognizer)
    finally:
        session.close()
        if hasattr(speaker, "close"):
            speaker.close()
    wall = time.perf_counter() - began
    # Breathing cues come when the pacing says, not in answer to anything: never an answer.
    words = runner_phrases()
    cues = {*words["cue_words"].values(), *words["cue_words_short"].values()}
    cues |= {f"({kind})" for kind in ("inhale", "exhale", "hold", "chime")}
    commands = []
    for mark in marks:
        result = next(
            (r for r in recognizer.results if r[2].start <= mark.end and r[2].end >= mark.start),
            None,
        )
        if result is None:
            commands.append(Command(name, mark.text, "", 0.0, None))
            continue
        stream_t, wall_t, transcript = result
        answer = next(
            (
                s
                for s in starts
                if s[0] >= wall_t and s[1] <= stream_t + ANSWER_WINDOW_S and s[2] not in cues
            ),
            None,
        )
        if not transcript.text:
            answer = None  # nothing was understood, so nothing that follows is its answer
        endpoint_ms = (stream_t - mark.end) * 1000
        processing_ms = None if answer is None else (answer[0] - wall_t) * 1000
        commands.append(Command(name, mark.text, transcript.text, endpoint_ms, processing_ms))
    return commands, wall, len(samples) / synth.RATE


def startup_child() -> None:
    """Runs in a fresh interpreter: time to ready-to-listen, printed in ms."""
    began = time.perf_counter()
    from voice_cecert import config
    from voice_cecert.asr.select import make_recognizer
    from voice_cecert.assistant import build_session
    from voice_cecert.intents.loader import load_intents
    from voice_cecert.stream_clock import StreamClock

    settings = config.Settings()
    clock = StreamClock(stream=False)
    workdir = Path(tempfile.mkdtemp())
    speaker, starts = first_sample_speaker("wav", workdir / "greet.wav", clock, settings)
    session = build_session(speaker=speaker, clock=clock, settings=settings, intents=load_intents())
    recognizer = make_recognizer("pocketsphinx")
    session.dialogue.greet()
    recognizer.set_grammar(session.dialogue.grammar())
    recognizer.prepare()
    ready = time.perf_counter()
    while not starts:
        time.sleep(0.001)
    greeted = starts[0][0]
    print(f"{(ready - began) * 1000:.0f} {(greeted - began) * 1000:.0f}")
    session.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speaker", choices=("wav", "text"), default="wav")
    parser.add_argument("--repeat", type=int, default=3, help="startup measurements")
    parser.add_argument("--detail", action="store_true", help="one line per command too")
    parser.add_argument("--only", help="run only the sessions whose name contains this")
    parser.add_argument("--startup-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.startup_child:
        startup_child()
        return 0

    os.environ.setdefault("VOICE_CECERT_HOME", tempfile.mkdtemp())
    from voice_cecert import synth

    CACHE.mkdir(parents=True, exist_ok=True)
    synth.set_cache_dir(CACHE / "synth")
    workdir = Path(tempfile.mkdtemp())

    startups = []
    for _ in range(args.repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--startup-child"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "VOICE_CECERT_HOME": str(workdir / "startup")},
        )
        startups.append(tuple(float(x) for x in out.stdout.split()))

    all_commands: list[Command] = []
    print(f"speaker: {args.speaker}; latency = endpoint wait (audio) + processing (wall)")
    print(
        f"{'session':<12}{'voice':<17}{'cmds':>5}{'answered':>9}{'silent':>7}"
        f"{'median ms':>11}{'p95 ms':>8}{'max ms':>8}{'RTF':>7}"
    )
    for name, voice, parts in SESSIONS:
        if args.only and args.only not in name:
            continue
        commands, wall, seconds = run_session(name, voice, parts, args.speaker, workdir)
        if args.detail:
            for c in commands:
                done = "-" if c.processing_ms is None else f"{c.processing_ms:.0f}"
                print(
                    f"  {c.text!r} heard {c.heard!r}: endpoint {c.endpoint_ms:.0f} ms, "
                    f"processing {done} ms"
                )
        all_commands += commands
        totals = [c.total_ms for c in commands if c.total_ms is not None]
        silent = sum(c.total_ms is None for c in commands)
        med = f"{statistics.median(totals):.0f}" if totals else "-"
        p95 = f"{pct(totals, 0.95):.0f}" if totals else "-"
        top = f"{max(totals):.0f}" if totals else "-"
        print(
            f"{name:<12}{voice:<17}{len(commands):>5}{len(totals):>9}{silent:>7}"
            f"{med:>11}{p95:>8}{top:>8}{wall / seconds:>7.3f}"
        )
    totals = [c.total_ms for c in all_commands if c.total_ms is not None]
    endpoint = [c.endpoint_ms for c in all_commands if c.total_ms is not None]
    processing = [c.processing_ms for c in all_commands if c.processing_ms is not None]
    print()
    print(f"{'all answered commands':<34}{'n':>4}{'median ms':>11}{'p95 ms':>8}{'max ms':>8}")
    for label, values in (
        ("end of speech -> answer", totals),
        ("  endpoint wait (audio)", endpoint),
        ("  processing (wall)", processing),
    ):
        print(
            f"{label:<34}{len(values):>4}{statistics.median(values):>11.0f}"
            f"{pct(values, 0.95):>8.0f}{max(values):>8.0f}"
        )
    ready = [s[0] for s in startups]
    greet = [s[1] for s in startups]
    print(
        f"startup: ready to listen median {statistics.median(ready):.0f} ms "
        f"(max {max(ready):.0f}), greeting's first sample median {statistics.median(greet):.0f} "
        f"ms, over {len(startups)} fresh processes"
    )
    print("silent or unanswered commands:")
    for c in all_commands:
        if c.total_ms is None:
            print(f"  {c.session}: said {c.text!r}, heard {c.heard!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
