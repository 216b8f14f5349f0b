"""A rendered routine lasts its planned length (real espeak-ng speech, within 2%).

The plan is computed from the script alone (quiet times, breathing phases, answer windows) plus
each line's speech time measured by synthesising it on its own; the render runs the real runner
against the real WAV speaker on a fake clock. Two independent routes to the same length.
"""

from __future__ import annotations

import wave

import pytest

from voice_cecert import tones, tts
from voice_cecert.commands.render import render
from voice_cecert.config import Settings
from voice_cecert.routines import loader, patterns
from voice_cecert.routines.plan import plan
from voice_cecert.routines.runner import RunOptions
from voice_cecert.speech import cue_seconds

pytestmark = pytest.mark.slow


def measured_speech(rate_wpm: int):
    voice = tts.resolve_voice(Settings().voice)

    def seconds(text: str, cue: bool) -> float:
        return tts.synthesize(text, rate_wpm, voice).seconds

    return seconds


def tone_length(kind: str, seconds: float) -> float:
    return len(tones.cue_samples(kind, cue_seconds(seconds), 22050)) / 22050


@pytest.mark.parametrize(
    ("routine_id", "options"),
    [
        ("breathing", RunOptions()),
        ("feelings-check-in", RunOptions()),
        ("mindful-moment", RunOptions()),
        ("breathing", RunOptions(pace=1 / 1.5, speech_rate=1.5, length_seconds=60)),
        ("breathing", RunOptions(cues="tones", pattern=patterns.presets()["4-7-8"])),
    ],
)
def test_wav_length_matches_plan(tmp_path, routine_id, options):
    try:
        tts.synthesize("test", 165)
    except tts.TtsUnavailable as exc:  # pragma: no cover - espeak-ng is installed in CI
        pytest.skip(f"no speech engine: {exc}")
    out = tmp_path / f"{routine_id}.wav"
    seconds = render(routine_id, out, options)
    with wave.open(str(out)) as wav:
        wav_seconds = wav.getnframes() / wav.getframerate()
    assert wav_seconds == pytest.approx(seconds, abs=0.01)
    routine = loader.load(routine_id)
    rate = round(Settings().rate * options.speech_rate)
    planned = plan(
        routine,
        measured_speech(rate),
        pace=options.pace,
        length=(options.length_seconds / routine.length) if options.length_seconds else 1.0,
        pattern=options.pattern,
        tone_seconds=tone_length,
        cues=options.cues,
    )
    assert planned.speech > 1.0  # the plan really counts speech
    assert wav_seconds == pytest.approx(planned.seconds, rel=0.02)
