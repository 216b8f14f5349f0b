"""Whole spoken sessions through the real app (see conftest.py for what is real: everything).

Each test speaks a script (commands and silences) with a flite or espeak-ng voice and asserts
on what the app said, when, and what it logged. Times are audio seconds.
"""

from __future__ import annotations

import re

import pytest

from voice_cecert import config
from voice_cecert.dialogue import Messages, State

MSG = Messages.load().data
INHALE = ("Breathe in", "In")


def inhale_times(run, start=0.0, end=float("inf")) -> list[float]:
    return [s.start for s in run.said if s.text in INHALE and start <= s.start < end]


def options_in(line: str) -> list[str]:
    return re.findall(r"'([^']+)'", line)


def test_help_lists_five_options_more_continues_and_goodbye_ends(speak):
    run = speak(["what can I say", 9.0, "more", 14.0, "goodbye", 4.0, "menu", 3.0], "flite:rms")
    helped = run.after(0)
    assert helped.startswith("You can say:") and helped.endswith(MSG["help_more"])
    assert "'start a breathing break'" in helped and len(options_in(helped)) == 6  # 5 + 'more'
    more = run.after(1)
    assert more.startswith("You can say:") and not set(options_in(more)) & set(
        options_in(helped)[:5]
    )
    assert run.after(2) in MSG["farewell"]
    assert run.session.dialogue.finished
    assert "menu" not in run.heard  # the app stopped listening after goodbye


def test_breathing_slower_lengthens_the_cycles_and_stop_ends_it(speak):
    run = speak(["start a breathing break", 20.0, "slower", 25.0, "stop", 3.0], "flite:rms")
    assert run.after(0).startswith("Breathe with me.")
    slower_at = run.mark("slower").end
    before = inhale_times(run, end=slower_at)
    after = inhale_times(run, start=slower_at)
    cycle = before[1] - before[0]
    assert cycle == pytest.approx(11.0, abs=0.05)  # the coherent pattern: 5.5 in, 5.5 out
    assert after[1] - after[0] == pytest.approx(cycle * 1.25, abs=0.05)
    stopped = run.mark("stop").end
    assert run.after(2) == MSG["routine_stopped"]
    assert not inhale_times(run, start=stopped)
    practice = run.journal.practices()[0]
    assert (practice.routine_id, practice.completed) == ("breathing", False)


def test_sleep_ignores_and_keeps_nothing_until_the_wake_phrase(speak):
    run = speak(
        [
            "go to sleep",
            6.0,
            "start a breathing break",
            5.0,
            "what can I say",
            5.0,
            "hey coach",
            5.0,
        ],
        "espeak:en-us",
    )
    assert run.after(0) == MSG["sleep"].format(wake="hey coach")
    assert run.after(1) == "" and run.after(2) == ""
    woke = run.mark("hey coach")
    assert run.after(3) == MSG["wake"]
    # nothing heard while asleep was kept, not even as text in memory
    asleep = [
        end for end, _ in run.session.heard if run.mark("go to sleep").end + 1 < end < woke.end
    ]
    assert asleep == []
    assert run.journal.practices() == []
    assert run.session.dialogue.state is State.IDLE


def test_two_misses_then_the_three_most_likely_options(speak):
    run = speak(["lunch", 4.0, "lunch", 9.0], "flite:awb")
    assert run.after(0) in MSG["reprompt"]
    offered = run.after(1)
    assert offered.startswith("I'm still not sure. You could say")
    assert len(options_in(offered)) == 3
    assert run.journal.practices() == []


def test_chatter_never_starts_a_routine(speak):
    run = speak(
        ["I think the traffic was late again today", 8.0, "we should get lunch later", 8.0],
        "flite:slt",
    )
    for i in (0, 1):  # not understood, or a question first: never a practice straight away
        answer = run.after(i)
        assert answer in MSG["reprompt"] or answer.startswith(("Did you mean '", "I'm still"))
    assert run.journal.practices() == []
    assert run.session.dialogue.state is State.IDLE


def test_silence_then_the_idle_timeout_puts_it_to_sleep(speak):
    run = speak(
        [70.0, "hey coach", 5.0, "how am I doing", 12.0], "flite:kal16", sleep_timeout_minutes=1
    )
    greeting = run.said[0]
    quiet = [s for s in run.said[1:] if s.start < 60.0]
    assert quiet == []  # a minute of silence: nothing said, nothing acted on
    slept = run.said[1]
    assert slept.text == MSG["sleep_timeout"].format(wake="hey coach")
    assert slept.start - greeting.end <= 60.5
    assert run.after(0) == MSG["wake"]
    assert run.after(1).startswith("You haven't practised yet today.")


def test_menu_then_an_element_lists_its_routines(speak):
    run = speak(["menu", 12.0, "tell me about rumination", 10.0], "flite:slt")
    assert run.after(0) == MSG["menu"]
    listed = run.after(1)
    assert listed.startswith("For rumination")
    assert options_in(listed) == ["name the rumination", "task-positive step", "reach out", "ACES"]


def test_stop_interrupts_the_app_and_other_words_said_over_it_are_ignored(speak):
    run = speak(["what can I say", 1.0, "menu", 1.5, "stop", 5.0], "flite:kal16")
    helped = next(s for s in run.said if s.text.startswith("You can say"))
    stop = run.mark("stop")
    assert helped.start < run.mark("menu").start < helped.end  # "menu" came over the app
    assert helped.end <= stop.end + 0.6  # cut short by "stop"; the full line lasts ~7 s
    assert not any(s.text == MSG["menu"] for s in run.said)
    assert run.text(helped.end) == ""  # stop while talking just stops


def test_crisis_words_stop_the_routine_and_name_the_crisis_line(speak):
    run = speak(["start a breathing break", 12.0, "I want to hurt myself", 25.0], "flite:slt")
    said = run.after(1)
    assert said.startswith("Thank you for telling me.")
    assert "supervisor" in said and "988" in said
    assert not inhale_times(run, start=run.mark("I want to hurt myself").end)
    assert run.journal.practices()[0].completed is False


def test_two_high_intensity_checkins_in_a_row_stop_and_answer_safely(speak):
    run = speak(
        [
            "a one minute breathing break",
            72.0,
            "nine",
            10.0,
            "start a between clients reset",
            12.0,
            "ten",
            20.0,
        ],
        "flite:rms",
    )
    first, second = run.journal.practices()
    assert (first.routine_id, first.completed, first.intensity_after) == ("breathing", True, 9)
    assert (first.duration_s or 0) < 90  # "one minute" shortened the two-minute default
    assert second.routine_id == "between-clients" and second.completed is False
    assert run.after(3).count("988") >= 1
    assert run.session.dialogue.state is State.IDLE


def test_pause_holds_the_routine_until_resume(speak):
    run = speak(["start a breathing break", 10.0, "pause", 15.0, "resume", 10.0], "flite:awb")
    paused, resumed = run.mark("pause").end, run.mark("resume").end
    assert run.after(1) == MSG["paused"]
    assert inhale_times(run, end=paused) and not inhale_times(run, paused, resumed)
    assert inhale_times(run, start=resumed)


def test_push_to_talk_hears_only_after_enter(speak):
    run = speak(
        ["menu", 6.0, "what can I say", 10.0, "go to sleep", 6.0],
        "espeak:en-us",
        presses=[9.0, 21.0],
    )
    assert len(run.heard) == 2  # "menu" before any press was never even decoded
    assert run.after(0) == "" and run.after(1).startswith("You can say:")
    assert run.after(2) == MSG["sleep_push_to_talk"]


def test_speech_rate_and_volume_changes_are_remembered(speak):
    run = speak(["slower", 5.0, "louder", 5.0], "flite:kal16")
    assert run.after(0) == MSG["rate_slower"] and run.after(1) == MSG["volume_louder"]
    saved = config.load_settings()
    assert saved.rate < config.Settings().rate  # about 15 % slower
    assert saved.rate == pytest.approx(config.Settings().rate / 1.15, abs=1)
    assert saved.volume == 1.0


def test_an_espeak_voice_runs_a_routine(speak):
    run = speak(
        ["what can I say", 9.0, "start a breathing break", 12.0, "stop", 5.0], "espeak:en-us"
    )
    assert run.after(0).startswith("You can say:")
    assert run.after(1).startswith("Breathe with me.")
    assert run.after(2) == MSG["routine_stopped"]
