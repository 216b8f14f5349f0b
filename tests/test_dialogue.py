"""The dialogue state machine, driven by typed text (no audio): fast checks of every state."""

from __future__ import annotations

import re
from typing import Any

import pytest

from voice_cecert.assistant import IntentsAdapter
from voice_cecert.dialogue import (
    AnswerExpected,
    Dialogue,
    DialogueConfig,
    RoutineEnded,
    RoutineStarted,
    State,
)
from voice_cecert.intents.loader import load_intents


def options_in(line: str) -> list[str]:
    return re.findall(r" '([^']+)'", line)


@pytest.fixture(scope="module")
def matcher() -> IntentsAdapter:
    return IntentsAdapter(load_intents())


class RecordingHost:
    """Records what the dialogue asks of the routine runner."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def available(self, routine_id: str) -> bool:
        return routine_id in {"breathing", "mindful-moment", "name-the-rumination"}

    def start(
        self,
        routine_id: str,
        seconds: int | None = None,
        given: dict[str, Any] | None = None,
        only_keys: frozenset[str] | None = None,
    ) -> int:
        extra = [x for x in (given, only_keys) if x]
        self.calls.append(("start", routine_id, seconds, *extra))
        return 0

    def control(self, name: str, slots: dict[str, Any]) -> None:
        self.calls.append(("control", name))

    def answer(self, value: Any) -> None:
        self.calls.append(("answer", value))

    def stop(self) -> None:
        self.calls.append(("stop",))


class Lines:
    """Speaker fake: keeps the lines and the rate/volume it was given."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.speaking = False
        self.rate = 1.0
        self.volume = 1.0
        self.voice = ""
        self.available_voices: tuple[str, ...] = ("en-a", "en-b")

    def say(self, text: str) -> None:
        self.lines.append(text)

    def stop(self) -> None:
        self.speaking = False

    def set_rate(self, factor: float) -> None:
        self.rate = factor

    def set_volume(self, factor: float) -> None:
        self.volume = factor

    def set_voice(self, voice: str) -> None:
        self.voice = voice

    def voices(self) -> tuple[str, ...]:
        return self.available_voices


class Setup:
    def __init__(self, matcher: IntentsAdapter, **config: Any) -> None:
        self.t = 0.0
        self.host = RecordingHost()
        self.out = Lines()
        self.saved: list[tuple[float, float]] = []
        self.saved_voices: list[str] = []
        self.d = Dialogue(
            matcher=matcher,
            host=self.host,
            out=self.out,
            now=lambda: self.t,
            config=DialogueConfig(**config),
            save_prefs=lambda r, v, voice: (
                self.saved.append((r, v)),
                self.saved_voices.append(voice),
            ),
        )

    def hear(self, text: str, **kw: Any) -> str:
        before = len(self.out.lines)
        self.d.on_utterance(text, **kw)
        return " | ".join(self.out.lines[before:])


@pytest.fixture
def s(matcher) -> Setup:
    return Setup(matcher)


def test_greeting_says_how_to_get_help(s):
    s.d.greet()
    assert "what can i say" in s.out.lines[-1].lower()


def test_help_lists_at_most_five_then_more_continues(s):
    first = s.hear("what can I say")
    assert "'start a breathing break'" in first and "more" in first.lower()
    assert first.count("'") <= 2 * 5 + 2  # five quoted options plus "say 'more'"
    second = s.hear("more")
    assert second and second != first and "breathing" not in second
    third = s.hear("more")
    assert third and third not in (first, second)


def test_help_depends_on_state(s):
    s.hear("start a breathing break")
    text = s.hear("help")
    assert "'pause'" in text and "breathing" not in text


def test_starting_a_routine_changes_state_and_grammar(s):
    idle_grammar = s.d.grammar()
    assert "start a breathing break" in idle_grammar and "resume" not in idle_grammar
    s.hear("start a breathing break")
    assert s.host.calls == [("start", "breathing", None)]
    assert s.d.state is State.ROUTINE
    grammar = s.d.grammar()
    assert "resume" in grammar and "slower" in grammar and "start a breathing break" not in grammar


def test_slower_mid_routine_goes_to_the_routine_but_idle_changes_speech_rate(s):
    s.hear("slower")
    assert s.out.rate < 1.0 and s.saved and s.saved[-1][0] == s.out.rate
    s.hear("start a breathing break")
    s.hear("slower")
    assert s.host.calls[-1] == ("control", "slower")


def test_louder_and_softer_are_remembered(s):
    s.hear("softer")
    assert s.out.volume == pytest.approx(0.85)
    assert s.saved[-1] == (1.0, 0.85)


def test_two_misses_offer_three_most_likely_options_by_name(s, matcher):
    first = s.hear("purple elephants")
    second = s.hear("purple elephants")
    likely = [name for name, _ in matcher.rank("purple elephants", s.d.allowed())]
    assert len(likely) == 3
    assert first and "'" + s.d.spoken_name(likely[0]) + "'" not in first
    assert options_in(second) == [s.d.spoken_name(n) for n in likely]
    assert s.host.calls == []


def test_a_silent_moment_request_carries_its_answer_to_the_routine(s):
    s.hear("a silent mindful moment")
    assert s.host.calls == [("start", "mindful-moment", None, {"silent": "yes"})]


def test_change_one_plan_answer_runs_only_that_question(s):
    s.d.host.available = lambda routine_id: True
    s.hear("change my task positive activities")
    assert s.host.calls == [("start", "practice-plan", None, frozenset({"task_positive"}))]
    assert s.d.state is State.ROUTINE


def test_speech_that_is_no_control_mid_routine_gets_no_reply(s):
    s.hear("start a breathing break")
    assert s.d.state is State.ROUTINE
    assert s.hear("purple elephants") == ""
    assert s.hear("purple elephants") == ""
    assert s.host.calls == [("start", "breathing", None)]
    assert "'pause'" in s.hear("what can I say")


def test_different_voice_moves_to_the_next_voice_and_remembers_it(s):
    s.hear("start a breathing break")
    said = s.hear("different voice")
    assert s.out.voice == "en-a" and s.saved_voices[-1] == "en-a"
    assert said == s.d.msg.pick("voice_changed")
    assert s.host.calls == [("start", "breathing", None)]  # not passed to the routine
    s.hear("try another voice")
    assert s.out.voice == "en-b"
    s.hear("change your voice")
    assert s.out.voice == "en-a"


def test_different_voice_with_only_one_voice_says_so(s):
    s.out.available_voices = ()
    assert s.hear("different voice") == s.d.msg.pick("voice_none")
    assert s.out.voice == "" and s.saved_voices == []


def test_reprompts_vary(s):
    a = s.hear("blah")
    s.hear("help")  # a success resets the miss count
    b = s.hear("blah")
    assert a != b


def test_low_confidence_routine_is_confirmed_and_yes_starts_it(s):
    asked = s.hear("breathing brick")
    assert "breathing break" in asked and asked.endswith("?")
    assert s.host.calls == []
    s.hear("yes")
    assert s.host.calls == [("start", "breathing", None)]


def test_a_near_miss_from_a_grammar_held_recogniser_is_not_understood(s):
    said = s.hear("breathing brick", strict=True)
    assert said in s.d.msg.data["reprompt"] and s.host.calls == []


def test_answers_forgive_a_stray_word_even_from_a_grammar_held_recogniser(s):
    s.hear("start a breathing break")
    s.d.on_event(AnswerExpected("checkin"))
    s.hear("ten out", strict=True)
    assert s.host.calls[-1] == ("answer", 10)


def test_low_recogniser_confidence_is_confirmed_and_no_declines(s):
    s.hear("start a breathing break", confidence=0.1)
    assert s.host.calls == []
    s.hear("no")
    assert s.host.calls == [] and s.d.state is State.IDLE


def test_stop_ends_the_routine(s):
    s.hear("start a breathing break")
    said = s.hear("stop")
    assert s.host.calls[-1] == ("stop",) and s.d.state is State.IDLE
    assert "stopped" in said.lower()


def test_sleep_ignores_everything_until_the_wake_phrase(s):
    s.hear("sleep")
    assert s.d.state is State.SLEEPING and "hey coach" in s.d.grammar()
    assert "start a breathing break" not in s.d.grammar()
    assert s.hear("start a breathing break") == ""
    assert s.hear("i want to hurt myself") == ""
    assert s.host.calls == []
    assert "here" in s.hear("hey coach").lower()
    assert s.d.state is State.IDLE


def test_custom_wake_phrase(matcher):
    s = Setup(matcher, wake_phrase="Hello, friend")
    s.hear("sleep")
    grammar = s.d.grammar()
    assert "hello friend" in grammar and "hey coach" not in grammar
    assert len(grammar) > 10  # with everyday filler words, so other speech is not a wake-up
    s.hear("hey coach")
    assert s.d.state is State.SLEEPING
    s.hear("hello friend")
    assert s.d.state is State.IDLE


def test_sleep_mid_routine_pauses_it(s):
    s.hear("start a breathing break")
    s.hear("sleep")
    assert s.host.calls[-1] == ("control", "pause")
    woke = s.hear("hey coach")
    assert "resume" in woke.lower() and s.d.state is State.ROUTINE


def test_idle_timeout_falls_asleep_unless_always_on(matcher):
    s = Setup(matcher, sleep_timeout_s=60.0)
    s.t = 59.0
    s.d.tick()
    assert s.d.state is State.IDLE
    s.t = 61.0
    s.d.tick()
    assert s.d.state is State.SLEEPING and "hey coach" in s.out.lines[-1]
    always = Setup(matcher, sleep_timeout_s=None)
    always.t = 10_000.0
    always.d.tick()
    assert always.d.state is State.IDLE


def test_while_speaking_only_stop_and_pause_count(s):
    s.hear("start a breathing break")
    assert s.hear("help", during_speech=True) == ""
    s.hear("pause", during_speech=True)
    assert s.host.calls[-1] == ("control", "pause")


def test_answers_are_constrained_and_routed(s):
    s.hear("start a breathing break")
    s.d.on_event(RoutineStarted("breathing"))
    s.d.on_event(AnswerExpected("yes-no"))
    assert s.d.state is State.ANSWER
    assert "yes" in s.d.grammar() and "4" not in s.d.grammar()
    s.hear("yes")
    assert s.host.calls[-1] == ("answer", True)
    s.d.on_event(AnswerExpected("text"))
    assert s.d.grammar() is None  # free dictation only here
    s.hear("I felt tired but steady")
    assert s.host.calls[-1] == ("answer", "I felt tired but steady")
    s.d.on_event(AnswerExpected("text"))
    s.hear("stop")  # controls still work while dictating
    assert s.host.calls[-1] == ("stop",)


def test_choose_matches_one_of_the_offered_options(s):
    s.hear("start a breathing break")
    s.d.on_event(AnswerExpected("choose", ("box breathing", "four seven eight")))
    assert "box breathing" in s.d.grammar()
    s.hear("box breathing")
    assert s.host.calls[-1] == ("answer", "box breathing")


def test_crisis_words_stop_and_name_the_crisis_line(matcher):
    s = Setup(matcher, crisis_line="the 988 lifeline", partner="Sam")
    s.hear("start a breathing break")
    said = s.hear("i want to hurt myself")
    assert s.host.calls[-1] == ("stop",)
    assert "the 988 lifeline" in said and "Sam" in said and "supervisor" in said
    assert s.d.state is State.IDLE


def test_crisis_names_the_partner_saved_in_the_plan(matcher):
    from voice_cecert.journal import Journal

    s = Setup(matcher)
    s.d.journal = Journal()
    s.d.journal.set_answer("partner", "Jordan")
    assert "your accountability partner, Jordan" in s.hear("I want to hurt myself")


def test_two_high_intensity_checkins_in_a_row_trigger_safety(s):
    s.hear("start a breathing break")
    s.d.on_event(AnswerExpected("checkin"))
    assert "nine" in s.d.grammar() and "start a breathing break" not in s.d.grammar()
    s.hear("9")
    assert s.host.calls[-1] == ("answer", 9)
    assert "988" not in " ".join(s.out.lines)
    s.d.on_event(AnswerExpected("checkin"))
    said = s.hear("ten")
    assert "988" in said and s.host.calls[-1] == ("stop",)
    assert s.d.state is State.IDLE


def test_one_high_then_lower_checkin_does_not(s):
    s.hear("start a breathing break")
    for value in ("9", "5", "9"):
        s.d.on_event(AnswerExpected("checkin"))
        s.hear(value)
    assert "988" not in " ".join(s.out.lines)


def test_a_nine_to_another_question_is_not_an_intensity(s):
    s.hear("start a breathing break")
    for kind in ("number", "checkin"):
        s.d.on_event(AnswerExpected(kind))
        s.hear("nine")
    assert "988" not in " ".join(s.out.lines)


def test_menu_and_element(s):
    assert "rumination" in s.hear("menu")
    said = s.hear("tell me about rumination")
    assert "'name the rumination'" in said and "'ACES'" in said


def test_routine_end_returns_to_idle_and_progress_reads_the_journal(matcher):
    from voice_cecert.journal import Journal

    s = Setup(matcher)
    journal = Journal()
    s.d.journal = journal
    s.hear("start a breathing break")
    s.d.on_event(RoutineStarted("breathing"))
    practice = journal.start_practice("breathing")
    journal.finish_practice(practice, 120.0, True)
    s.d.on_event(RoutineEnded("breathing", True, 120.0))
    assert s.d.state is State.IDLE
    said = s.hear("how am i doing")
    assert "1 practice" in said and "2 minutes" in said


def test_a_stale_end_does_not_end_the_new_routine(s):
    s.hear("start a breathing break")
    s.d.on_event(RoutineEnded("breathing", False, 3.0, run=-1))
    assert s.d.state is State.ROUTINE


def test_chosen_next_routine_starts(s):
    s.hear("start a breathing break")
    s.d.on_event(RoutineEnded("breathing", True, 60.0, next_routine="mindful-moment"))
    assert s.host.calls[-1] == ("start", "mindful-moment", None)
    assert s.d.state is State.ROUTINE


def test_progress_without_journal(s):
    assert "isn't available" in s.hear("how am i doing")


def test_goodbye_finishes(s):
    s.hear("start a breathing break")
    s.hear("goodbye")
    assert s.d.finished and s.host.calls[-1] == ("stop",)


def test_a_bare_length_is_a_routine_control_not_an_idle_command(s):
    assert "five minutes" not in s.d.grammar()
    assert s.hear("five minutes", strict=True) in s.d.msg.data["reprompt"]
    assert s.host.calls == []
    s.hear("start a breathing break")
    assert "five minutes" in s.d.grammar()
    s.hear("five minutes", strict=True)
    assert s.host.calls[-1][0] == "control" and s.host.calls[-1][1] == "duration"


def test_an_implausible_crisis_phrase_gets_no_safety_answer(s):
    """The engine's `plausible` False (Transcript) turns the safety net off for that phrase."""
    far = s.hear("i want to kill myself", strict=True, verified=False, safety_net=False)
    assert far in s.d.msg.data["reprompt"]
    near = s.hear("i want to kill myself", strict=True, verified=False)
    assert "Thank you for telling me" in near


def test_a_second_reading_is_tried_when_the_phrase_means_nothing(s):
    """Transcript.second: the recogniser's free-text reading of an unverified phrase. Loose
    matches of a routine are confirmed first, like any fuzzy match."""
    said = s.hear(
        "i want a silent moment",
        strict=True,
        verified=False,
        second="i need a client present moment practice with my client here",
        second_confidence=0.7,
    )
    assert s.host.calls == []  # asked first, not started
    assert "mindful moment" in said.lower()
    s.hear("yes")
    assert s.host.calls and s.host.calls[-1][:2] == ("start", "mindful-moment")


def test_without_a_second_reading_an_unverified_phrase_is_not_understood(s):
    said = s.hear("i want a silent moment", strict=True, verified=False)
    assert said in s.d.msg.data["reprompt"] and s.host.calls == []
