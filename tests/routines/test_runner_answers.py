"""Questions, check-ins, dictation and choices: answers mid-step, branches, time-outs."""

from __future__ import annotations

import pytest

from voice_cecert.errors import UserError
from voice_cecert.routines import loader
from voice_cecert.routines.runner import RunOptions

YES_NO = """\
- ask: Shall we go on?
  answer: yes-no
  wait: 20
  if_yes:
    - say: Going on.
  if_no:
    - say: Stopping here.
  if_none:
    - say: No answer.
- say: After.
"""


def kinds(events, kind):
    return [e for e in events if e.kind == kind]


@pytest.mark.parametrize(
    ("answer", "branch"),
    [
        (True, "Going on."),
        ("yes please", "Going on."),
        (False, "Stopping here."),
        ("nope", "Stopping here."),
    ],
)
def test_yes_no_branches(make_runner, clock, speaker, answer, branch):
    runner, events = make_runner(YES_NO)
    clock.call_at(105.0, lambda: runner.answer(answer))
    runner.run()
    assert speaker.said() == ["Shall we go on?", branch, "After."]
    assert speaker.when(branch) == pytest.approx(105.0)
    assert kinds(events, "asking")[0].text == "yes-no"


def test_no_answer_within_wait_takes_none_branch(make_runner, clock, speaker):
    runner, events = make_runner(YES_NO)
    runner.run()
    asked_end = 100 + speaker.duration("Shall we go on?")
    assert speaker.when("No answer.") == pytest.approx(asked_end + 20)
    assert kinds(events, "answered")[0].value is None


def test_unusable_answer_gets_gentle_retry_and_keeps_deadline(make_runner, clock, speaker):
    runner, _ = make_runner(YES_NO)
    clock.call_at(103.0, lambda: runner.answer("purple"))
    clock.call_at(110.0, lambda: runner.answer("yes"))
    runner.run()
    assert speaker.said() == ["Shall we go on?", "Just yes or no is fine.", "Going on.", "After."]


def test_answer_while_question_is_spoken_counts(make_runner, clock, speaker):
    runner, _ = make_runner(YES_NO)
    clock.call_at(100.2, lambda: runner.answer(True))
    runner.run()
    assert speaker.said()[1] == "Going on."


def test_number_ranges(make_runner, clock, speaker):
    runner, events = make_runner(
        "- ask: How tense, 0 to 10?\n  answer: number\n  key: tension\n"
        "  if_range:\n    0-4: [say: Low.]\n    5-10: [say: High.]\n"
        "- say: \"You said {{ tension | default('nothing') }}.\"\n"
    )
    clock.call_at(104.0, lambda: runner.answer("seven"))
    result = runner.run()
    assert speaker.said()[1:] == ["High.", "You said 7."]
    assert result.answers == {"tension": 7}
    assert kinds(events, "answered")[0].data["key"] == "tension"


def test_number_out_of_range_is_retried(make_runner, clock, speaker):
    runner, _ = make_runner("- ask: Rate it.\n  answer: number\n  if_answered: [say: Thanks.]\n")
    clock.call_at(103.0, lambda: runner.answer(42))
    clock.call_at(104.0, lambda: runner.answer(3))
    runner.run()
    assert speaker.said() == [
        "Rate it.",
        "A number from zero to ten is fine, or say skip.",
        "Thanks.",
    ]


def test_list_collects_items_one_by_one(make_runner, clock, speaker):
    runner, events = make_runner(
        "- ask: Name three things.\n  answer: list\n  items: 3\n  key: things\n  save: true\n"
        "  next_item: And another?\n"
        "- say: \"{{ things | spoken_list | default('nothing') }}.\"\n"
    )
    clock.call_at(103.0, lambda: runner.answer("a walk"))
    clock.call_at(106.0, lambda: runner.answer("tea"))
    clock.call_at(110.0, lambda: runner.answer("music"))
    result = runner.run()
    assert speaker.said() == [
        "Name three things.",
        "And another?",
        "And another?",
        "a walk, tea and music.",
    ]
    assert result.answers["things"] == ["a walk", "tea", "music"]
    answered = kinds(events, "answered")[0]
    assert answered.data == {"key": "things", "save": True, "kind": "list"}


def test_list_typed_at_once_and_partial_list(make_runner, clock, speaker):
    runner, _ = make_runner("- ask: Two things?\n  answer: list\n  items: 2\n  key: k\n")
    clock.call_at(103.0, lambda: runner.answer("one, two, three"))
    assert runner.run().answers["k"] == ["one", "two"]


def test_checkin_is_offered_not_forced(make_runner, clock, speaker):
    runner, events = make_runner("- checkin: before\n- say: Go.\n")
    result = runner.run()
    prompt = speaker.said()[0]
    assert "zero to ten" in prompt
    assert speaker.when("Go.") == pytest.approx(100 + speaker.duration(prompt) + 8)
    assert result.checkins == {}
    assert kinds(events, "checkin") == []


def test_checkin_value_is_reported(make_runner, clock, speaker):
    runner, events = make_runner("- checkin: after\n")
    clock.call_at(105.0, lambda: runner.answer(4))
    result = runner.run()
    assert result.checkins == {"after": 4}
    assert [(e.text, e.value) for e in kinds(events, "checkin")] == [("after", 4)]


def test_record_hands_text_to_subscribers(make_runner, clock, speaker):
    runner, events = make_runner(
        "- record: Tell me the story.\n  key: story\n  save_text: narrative\n"
        "- say: \"Heard: {{ story | default('nothing') }}\"\n"
    )
    clock.call_at(130.0, lambda: runner.answer("It went well today."))
    runner.run()
    recorded = kinds(events, "recorded")[0]
    assert recorded.value == "It went well today."
    assert recorded.data["save_text"] == "narrative"
    assert speaker.said()[-1] == "Heard: It went well today."


def test_record_without_words_runs_if_none(make_runner, clock, speaker):
    runner, _ = make_runner("- record: Speak.\n  wait: 30\n  if_none: [say: Maybe later.]\n")
    runner.run()
    assert speaker.said() == ["Speak.", "Maybe later."]


@pytest.mark.parametrize("answer", ["breathing", "breathing break", "2", 2, "the breathing one"])
def test_choose_ends_with_next_routine(make_runner, clock, speaker, answer):
    runner, events = make_runner("- choose: [feelings-check-in, breathing]\n- say: Not reached.\n")
    clock.call_at(106.0, lambda: runner.answer(answer))
    result = runner.run()
    assert result.completed and result.next_routine == "breathing"
    assert "Not reached." not in speaker.said()
    assert kinds(events, "asking")[0].data["options"] == ("Feelings check-in", "Breathing break")
    assert "Feelings check-in or Breathing break" in speaker.said()[0]


def test_skip_during_question_moves_on_without_branch(make_runner, clock, speaker):
    runner, _ = make_runner(YES_NO)
    clock.call_at(104.0, lambda: runner.control("skip"))
    runner.run()
    assert speaker.said() == ["Shall we go on?", "After."]


def test_back_inside_branch_asks_the_question_again(make_runner, clock, speaker):
    runner, _ = make_runner(YES_NO.replace("- say: Going on.", "- pause: 30"))
    clock.call_at(104.0, lambda: runner.answer(True))
    clock.call_at(110.0, lambda: runner.control("back"))
    clock.call_at(113.0, lambda: runner.answer(False))
    runner.run()
    assert speaker.said() == ["Shall we go on?", "Shall we go on?", "Stopping here.", "After."]


class DictAnswers:
    def __init__(self, values):
        self.values = values

    def get_answer(self, key):
        return self.values.get(key)


def test_placeholders_use_saved_answers_or_fallback(make_runner, speaker):
    text = (
        "- say: \"Call {{ partner | default('a colleague you trust') }}.\"\n"
        "- say: \"Try {{ task_positive | item(2) | default('one small task') }}.\"\n"
    )
    runner, _ = make_runner(text)
    runner.run()
    runner, _ = make_runner(
        text, answers=DictAnswers({"partner": "Sam", "task_positive": "a\nb\nc"})
    )
    runner.run()
    assert speaker.said() == [
        "Call a colleague you trust.",
        "Try one small task.",
        "Call Sam.",
        "Try b.",
    ]


@pytest.mark.parametrize("answer", ["stop", "no thanks"])
def test_choose_declined_ends_without_next_routine(make_runner, clock, speaker, answer):
    runner, events = make_runner("- choose: [feelings-check-in, breathing]\n  wait: 30\n")
    clock.call_at(106.0, lambda: runner.answer(answer))
    result = runner.run()
    assert result.completed and result.next_routine is None
    assert clock.now() == pytest.approx(106.0)
    assert kinds(events, "chosen") == []


def test_typed_skip_skips_the_question(make_runner, clock, speaker):
    runner, _ = make_runner(YES_NO)
    clock.call_at(104.0, lambda: runner.answer("skip"))
    runner.run()
    assert speaker.said() == ["Shall we go on?", "No answer.", "After."]
    assert speaker.when("No answer.") == pytest.approx(104.0)


def test_two_controls_queued_together_while_paused_are_both_applied(make_runner, clock, speaker):
    runner, _ = make_runner("- pause: 60\n- say: After.\n")

    def pause_then_two() -> None:
        runner.control("pause")

    def slower_and_resume() -> None:
        runner.control("slower")
        runner.control("resume")

    clock.call_at(110.0, pause_then_two)
    clock.call_at(120.0, slower_and_resume)
    runner.run()
    # 50 s were left at the pause; resumed at 120 with pace x1.25 -> 62.5 s more.
    assert speaker.when("After.") == pytest.approx(182.5)


def test_an_answer_given_with_the_request_is_not_asked_aloud(make_runner, clock, speaker):
    runner, events = make_runner(
        loader.load("mindful-moment"), options=RunOptions(given={"silent": "yes"})
    )
    result = runner.run()
    said = speaker.said()
    assert not any("Would you like it silent" in line for line in said)
    assert said[:2] == ["A mindful moment, right where you are.", "Silent moment, starting now."]
    assert not any("Notice" in line for line in said)
    assert kinds(events, "answered")[0].value is True
    assert result.completed


def test_a_given_answer_that_does_not_parse_is_asked_as_usual(make_runner, clock, speaker):
    runner, _ = make_runner(
        YES_NO.replace("answer: yes-no", "answer: yes-no\n  key: go"),
        options=RunOptions(given={"go": "purple"}),
    )
    runner.run()
    assert speaker.said()[0] == "Shall we go on?"


def test_only_keys_asks_just_that_question_then_confirms(make_runner, clock, speaker):
    runner, events = make_runner(
        loader.load("practice-plan"), options=RunOptions(only_keys=frozenset({"task_positive"}))
    )
    for n, item in enumerate(["write one note", "walk outside", "tidy the desk"]):
        clock.call_at(100.0 + 20 * (n + 1), lambda item=item: runner.answer(item))
    result = runner.run()
    said = speaker.said()
    assert said[0].startswith("Name three task positive activities")
    assert said[-1] == "Thank you. That part of your plan is updated."
    assert not any("Question" in line or "partner" in line for line in said)
    answered = kinds(events, "answered")
    assert [(e.data["key"], e.value) for e in answered] == [
        ("task_positive", ["write one note", "walk outside", "tidy the desk"])
    ]
    assert result.completed


def test_only_keys_the_routine_does_not_ask_is_a_clear_error(make_runner):
    runner, _ = make_runner(YES_NO, options=RunOptions(only_keys=frozenset({"nothing"})))
    with pytest.raises(UserError, match="no question for nothing"):
        runner.run()
