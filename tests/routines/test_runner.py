"""The runner on a FakeClock: exact pacing, and every control taking effect mid-step."""

from __future__ import annotations

import threading
import time

import pytest

from voice_cecert.clock import MonotonicClock
from voice_cecert.routines import patterns
from voice_cecert.routines.runner import Runner, RunOptions

D = 0.25 + 0.05  # speech time per character is 0.05 s; a line costs 0.25 s + 0.05 s/char


def kinds(events, kind):
    return [e for e in events if e.kind == kind]


def test_pause_ends_on_absolute_deadline_after_speech(make_runner, clock, speaker):
    runner, events = make_runner("- say: Hello.\n- pause: 30\n- say: Done.\n")
    result = runner.run()
    assert result.completed
    hello_end = 100 + speaker.duration("Hello.")
    assert speaker.when("Done.") == pytest.approx(hello_end + 30, abs=1e-9)
    assert [e.kind for e in events][:3] == ["started", "step", "spoken"]
    assert events[-1].kind == "completed"


def test_pause_midpoint_cue_does_not_lengthen_pause(make_runner, clock, speaker):
    runner, _ = make_runner("- pause: 40\n  cue: Halfway.\n- say: End.\n")
    runner.run()
    assert speaker.when("Halfway.") == pytest.approx(120.0)
    assert speaker.when("End.") == pytest.approx(140.0)


def test_ten_minute_478_breathing_ends_exactly_on_plan(make_runner, clock, speaker):
    runner, _ = make_runner("- breathe: 4-7-8\n  seconds: 10m\n")
    runner.run()
    cycles = round(600 / 19)
    assert clock.now() == pytest.approx(100 + cycles * 19, abs=1e-9)
    cues = [(t, text) for t, kind, text in speaker.log]
    # Each phase's cue starts exactly on its planned offset: no drift from cue speech.
    assert cues[0] == (100.0, "Breathe in")
    assert cues[1] == (104.0, "Hold")
    assert cues[2] == (111.0, "Breathe out")
    assert cues[-1] == (pytest.approx(100 + cycles * 19 - 8), "Out")
    assert len(cues) == cycles * 3


def test_tone_cues_use_speaker_cue_with_short_holds(make_runner, speaker):
    runner, _ = make_runner("- breathe: box\n  cycles: 2\n  cues: tones\n")
    runner.run()
    assert [(t - 100, text) for t, _, text in speaker.log[:4]] == [
        (0.0, "inhale"),
        (4.0, "hold"),
        (8.0, "exhale"),
        (12.0, "hold"),
    ]
    assert speaker.said() == []


def test_silent_breathing_keeps_time_without_cues(make_runner, clock, speaker):
    runner, _ = make_runner("- breathe: coherent\n  cycles: 3\n  cues: silent\n")
    runner.run()
    assert speaker.log == []
    assert clock.now() == pytest.approx(100 + 33)


# ---- controls mid-step ----------------------------------------------------------------------
def test_stop_mid_pause_ends_run_at_that_moment(make_runner, clock, speaker):
    runner, events = make_runner("- pause: 60\n- say: Never.\n")
    clock.call_at(120.0, runner.stop)
    result = runner.run()
    assert not result.completed
    assert result.seconds == pytest.approx(20.0)
    assert "Never." not in speaker.said()
    assert events[-1].kind == "stopped"


def test_stop_mid_speech_cuts_the_line(make_runner, clock, speaker):
    line = "A long line that takes a few seconds to say aloud."
    runner, _ = make_runner(f"- say: {line}\n- say: Next.\n")
    clock.call_at(101.0, runner.stop)
    result = runner.run()
    assert result.seconds == pytest.approx(1.0)
    assert speaker.said() == [line]


def test_pause_and_resume_mid_pause_moves_deadline_by_pause_length(make_runner, clock, speaker):
    runner, events = make_runner("- pause: 60\n- say: After.\n")
    clock.call_at(110.0, lambda: runner.control("pause"))
    clock.call_at(145.0, lambda: runner.control("resume"))
    runner.run()
    assert speaker.when("After.") == pytest.approx(195.0)
    assert [e.at for e in kinds(events, "paused")] == [110.0]
    assert [e.at for e in kinds(events, "resumed")] == [145.0]


def test_pause_mid_speech_says_the_line_again_after_resume(make_runner, clock, speaker):
    line = "Notice where it sits in your body."
    runner, _ = make_runner(f"- say: {line}\n")
    clock.call_at(100.5, lambda: runner.control("pause"))
    clock.call_at(130.0, lambda: runner.control("resume"))
    runner.run()
    assert speaker.said() == [line, line]
    assert speaker.when(line, 1) == pytest.approx(130.0)


def test_pause_mid_breathing_shifts_remaining_cues(make_runner, clock, speaker):
    runner, _ = make_runner("- breathe: 4-6\n  cycles: 2\n")
    clock.call_at(102.0, lambda: runner.control("pause"))
    clock.call_at(112.0, lambda: runner.control("resume"))
    runner.run()
    starts = [t for t, _, _ in speaker.log]
    assert starts == pytest.approx([100.0, 114.0, 120.0, 124.0])
    assert clock.now() == pytest.approx(130.0)


def test_repeat_mid_pause_goes_back_to_last_spoken_step(make_runner, clock, speaker):
    runner, _ = make_runner("- say: Close your eyes.\n- pause: 20\n- say: Open them.\n")
    clock.call_at(110.0, lambda: runner.control("repeat"))
    runner.run()
    assert speaker.said() == ["Close your eyes.", "Close your eyes.", "Open them."]
    assert speaker.when("Close your eyes.", 1) == pytest.approx(110.0)
    assert speaker.when("Open them.") == pytest.approx(
        110 + speaker.duration("Close your eyes.") + 20
    )


def test_skip_mid_pause_starts_next_step_now(make_runner, clock, speaker):
    runner, _ = make_runner("- pause: 90\n- say: Next.\n")
    clock.call_at(105.0, lambda: runner.control("skip"))
    runner.run()
    assert speaker.when("Next.") == pytest.approx(105.0)


def test_skip_mid_speech_cuts_it_and_moves_on(make_runner, clock, speaker):
    runner, _ = make_runner("- say: This is quite a long sentence to skip.\n- say: Next.\n")
    clock.call_at(100.5, lambda: runner.control("skip"))
    runner.run()
    assert speaker.when("Next.") == pytest.approx(100.5)


def test_back_mid_pause_returns_to_previous_step(make_runner, clock, speaker):
    runner, _ = make_runner("- say: One.\n- say: Two.\n- pause: 30\n- say: Three.\n")
    clock.call_at(110.0, lambda: runner.control("back"))
    runner.run()
    assert speaker.said() == ["One.", "Two.", "Two.", "Three."]


def test_slower_mid_breathing_scales_current_and_later_phases(make_runner, clock, speaker):
    runner, events = make_runner("- breathe: 4-6\n  cycles: 2\n  cues: tones\n")
    clock.call_at(102.0, lambda: runner.control("slower"))  # 2 s left of the inhale -> 2.5 s
    runner.run()
    starts = [t for t, _, _ in speaker.log]
    assert starts == pytest.approx([100.0, 104.5, 112.0, 117.0])
    assert clock.now() == pytest.approx(124.5)
    assert kinds(events, "control")[0].value == pytest.approx(1.25)


def test_faster_is_bounded(make_runner, clock):
    runner, _ = make_runner("- pause: 100\n")
    for t in range(5):
        clock.call_at(100.0 + t, lambda: runner.control("faster"))
    runner.run()
    assert runner.pace == 0.5
    # Each request scales what is left: 0.8, 0.8, 0.8, then 0.5/0.512 (the bound), then 1.
    end = 180.0
    for at, ratio in ((101, 0.8), (102, 0.8), (103, 0.5 / 0.512)):
        end = at + (end - at) * ratio
    assert clock.now() == pytest.approx(end)


def test_longer_mid_pause_scales_remaining_time(make_runner, clock, speaker):
    runner, _ = make_runner("- pause: 60\n- say: End.\n")
    clock.call_at(120.0, lambda: runner.control("longer"))
    runner.run()
    assert speaker.when("End.") == pytest.approx(120 + 40 * 1.25)


def test_fixed_pause_ignores_length_and_pace(make_runner, clock, speaker):
    runner, _ = make_runner("- pause: 60\n  adjustable: false\n- say: End.\n")
    clock.call_at(110.0, lambda: runner.control("shorter"))
    clock.call_at(111.0, lambda: runner.control("slower"))
    runner.run()
    assert speaker.when("End.") == pytest.approx(160.0)


def test_duration_rescales_to_requested_length(make_runner, clock, speaker):
    runner, _ = make_runner("- pause: 60\n- say: End.\n")  # routine length is 60 s
    clock.call_at(100.0, lambda: runner.control("duration", {"seconds": 180}))
    runner.run()
    assert speaker.when("End.") == pytest.approx(280.0)


def test_shorter_mid_breathing_runs_fewer_cycles(make_runner, clock):
    runner, _ = make_runner("- breathe: 4-6\n  seconds: 100\n  cues: silent\n")
    clock.call_at(105.0, lambda: runner.control("shorter"))  # 10 cycles -> round(8) cycles
    runner.run()
    assert clock.now() == pytest.approx(180.0)


def test_louder_and_softer_go_to_speaker(make_runner, clock, speaker):
    runner, _ = make_runner("- pause: 10\n")
    clock.call_at(101.0, lambda: runner.control("louder"))
    clock.call_at(102.0, lambda: runner.control("softer"))
    clock.call_at(103.0, lambda: runner.control("softer"))
    runner.run()
    assert speaker.volumes == pytest.approx([1.25, 1.0, 0.8])


def test_pattern_control_changes_breathing_from_next_phase(make_runner, clock, speaker):
    runner, _ = make_runner("- breathe: 4-6\n  cycles: 2\n  cues: tones\n")
    clock.call_at(101.0, lambda: runner.control("pattern", {"inhale": 3, "exhale": 7}))
    runner.run()
    assert [t for t, _, _ in speaker.log] == pytest.approx([100.0, 104.0, 110.0, 113.0])
    assert clock.now() == pytest.approx(120.0)


def test_pattern_option_replaces_adjustable_pattern(make_runner, clock):
    options = RunOptions(pattern=patterns.presets()["box"])
    runner, _ = make_runner("- breathe: 4-6\n  cycles: 2\n  cues: silent\n", options=options)
    runner.run()
    assert clock.now() == pytest.approx(132.0)


def test_speed_option_shortens_quiet_time(make_runner, clock, speaker):
    runner, _ = make_runner("- pause: 60\n- say: End.\n", options=RunOptions(pace=0.5))
    runner.run()
    assert speaker.when("End.") == pytest.approx(130.0)


def test_controls_from_another_thread_on_real_clock(make_runner, speaker):
    runner, _ = make_runner("- pause: 30\n")
    real = Runner(runner.routine, speaker, MonotonicClock())
    start = time.monotonic()
    threading.Timer(0.05, real.stop).start()
    result = real.run()
    assert not result.completed
    assert time.monotonic() - start < 2.0


def test_unknown_control_is_rejected(make_runner):
    runner, _ = make_runner("- say: Hi.\n")
    with pytest.raises(ValueError, match="unknown control"):
        runner.control("dance")


def test_controls_from_other_threads_mid_breathing_on_real_clock(make_runner, speaker):
    runner, _ = make_runner("- breathe: 1-1\n  cycles: 2\n  cues: silent\n")
    real = Runner(runner.routine, speaker, MonotonicClock(), options=RunOptions(pace=0.5))
    timers = [
        threading.Timer(0.3, real.control, args=("slower",)),
        threading.Timer(0.7, real.control, args=("pause",)),
        threading.Timer(1.0, real.control, args=("resume",)),
    ]
    start = time.monotonic()
    for timer in timers:
        timer.start()
    result = real.run()
    elapsed = time.monotonic() - start
    # 0.5 s phases; at 0.3 s the rest of phase 1 and all later phases x1.25; 0.3 s paused.
    assert result.completed
    assert elapsed == pytest.approx(0.55 + 0.625 + 0.3 + 0.625 * 2, abs=0.1)


def test_cues_option_overrides_adjustable_breathing_only(make_runner, clock, speaker):
    text = "- breathe: 4-6\n  cycles: 1\n- breathe: 4-6\n  cycles: 1\n  adjustable: false\n"
    runner, _ = make_runner(text, options=RunOptions(cues="tones"))
    runner.run()
    assert [(kind, text) for _, kind, text in speaker.log] == [
        ("cue", "inhale"),
        ("cue", "exhale"),
        ("say", "Breathe in"),
        ("say", "Breathe out"),
    ]
