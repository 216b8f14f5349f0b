"""What the routines *say*: content-level promises of CATALOG.md, checked on the real files.

The loader tests check that files are well formed; these check that each routine keeps the
catalog's promises to the person listening: it opens by speaking, ends with a one-line close,
offers (never forces) a 0-10 check-in before and after, fits its default length, speaks in
short TTS-friendly sentences, always has a spoken fallback for personal answers, stays a
practice coach (no clinical words), and does the specific thing its catalog row describes.

Lengths are estimated from the steps themselves (speech at a typical TTS rate plus pauses and
breathing, with answers taking anywhere from no time to the whole wait), and checked again by
running each routine on a fake clock with a user who never answers.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest

from voice_cecert.clock import FakeClock
from voice_cecert.routines import loader, templates
from voice_cecert.routines.model import (
    Ask,
    Breathe,
    CheckIn,
    Choose,
    Pause,
    Record,
    Routine,
    Say,
    Step,
)
from voice_cecert.routines.runner import Runner

CATALOG = loader.catalog()
ELEMENT_OF = {rid: element for element, ids in CATALOG.items() for rid in ids}
ALL_IDS = sorted(ELEMENT_OF)

# Written by the routines engineer as format examples; they follow FORMAT.md's own rules,
# which differ from the content rules below in these documented ways.
EXCEPTIONS = {
    ("breathing", "checkin-before"): "FORMAT.md: breathing skips it so the first cue comes at once",
}

# Default length 1-3 minutes, except where the catalog asks for more talk from the user:
LONGER = {
    # three saved narratives, each heard and then spoken aloud, plus an optional new recording:
    # a commute, not a break between clients.
    "commute-rehearsal": 240.0,
    # nine answers in the user's own words (six worksheet questions, three narratives).
    "practice-plan": 420.0,
}

WORDS_PER_SECOND = 2.75  # about 165 words a minute, a typical unhurried TTS rate
MAX_SENTENCE_WORDS = 25
MAX_CLOSE_WORDS = 16
SAMPLE_PLAN = {
    "experiential": "naming what I feel after each session",
    "task_positive": "writing one note\nfiling the forms\na short walk",
    "narrative_commute": "I am heading in to be steady for families",
    "narrative_intensity": "the intensity means the work matters",
    "narrative_why": "every young person deserves an adult who stays.",  # typed, with a stop
    "compassion": "saying what I notice, kindly",
    "mindful_moments": "three breaths at the door\nfeeling my feet during notes",
    "partner": "Maria Lopez",
    "rest": "gardening.",
}
# Clinical or outcome-promising words a practice coach must not say to the user.
FORBIDDEN = re.compile(
    r"\b(diagnos|disorder|medication|prescri|treatment plan|symptom|patholog|cure[sd]?\b"
    r"|guarantee|you will feel|will make you feel)"
)
# Things a speech synthesiser reads badly, or that only make sense on a page.
TTS_HAZARDS = re.compile(
    r"[0-9()\[\]/&*#_<>=|~]"  # digits and symbols: write numbers as words, no brackets
    r"|\be\.g\.|\bi\.e\.|\betc\b|\bvs\b"  # abbreviations
    r"|\s-\s|\.\.|\s[.,?]"  # dashes as pauses, doubled stops, stray spaces
)


def routine(rid: str) -> Routine:
    return loader.load(rid)


def skip_if_exempt(rid: str, rule: str) -> None:
    reason = EXCEPTIONS.get((rid, rule))
    if reason:
        pytest.skip(reason)


def walk(steps: tuple[Step, ...]) -> Iterator[Step]:
    """Every step in document order, branches included."""
    for step in steps:
        yield step
        for branch in branches(step):
            yield from walk(branch)


def branches(step: Step) -> list[tuple[Step, ...]]:
    if isinstance(step, Ask):
        return [steps for _, steps in step.branches]
    if isinstance(step, Record) and step.if_none:
        return [step.if_none]
    return []


def spoken_texts(step: Step) -> list[str]:
    if isinstance(step, Say):
        return [step.text]
    if isinstance(step, Pause):
        return [step.cue] if step.cue else []
    if isinstance(step, Ask):
        return [step.question] + ([step.next_item] if step.next_item else [])
    if isinstance(step, CheckIn | Choose):
        return [step.prompt] if step.prompt else []
    if isinstance(step, Record):
        return [step.prompt]
    return []


def all_spoken(r: Routine) -> list[str]:
    return [text for step in walk(r.steps) for text in spoken_texts(step)]


def renderings(text: str) -> list[str]:
    """The line as heard with nothing saved and with a full plan saved."""
    return [templates.render(text, {}), templates.render(text, SAMPLE_PLAN)]


def words(text: str) -> int:
    return len(text.split())


def speech_seconds(text: str) -> float:
    return max(words(t) for t in renderings(text)) / WORDS_PER_SECOND


def estimate(steps: tuple[Step, ...]) -> tuple[float, float]:
    """(shortest, longest) plausible run time of a step list, in seconds."""
    low = high = 0.0
    for step in steps:
        lo, hi = step_estimate(step)
        low, high = low + lo, high + hi
    return low, high


def step_estimate(step: Step) -> tuple[float, float]:
    talk = sum(speech_seconds(t) for t in spoken_texts(step))
    if isinstance(step, Say):
        return talk, talk
    if isinstance(step, Pause):
        return step.seconds + talk, step.seconds + talk
    if isinstance(step, Breathe):
        seconds = step.planned_cycles() * step.pattern.cycle_seconds
        return seconds, seconds
    if isinstance(step, CheckIn):
        return 4.0, 4.0 + step.wait  # the built-in offer takes about four seconds to say
    waits = step.wait * (step.items if isinstance(step, Ask) and step.answer == "list" else 1)
    low, high = talk, talk + waits
    options = [estimate(b) for b in branches(step)]
    if options:
        # an outcome without a branch just goes on, so it counts as an empty branch
        covered = len(options) >= (3 if isinstance(step, Ask) and step.answer == "yes-no" else 2)
        low += min(lo for lo, _ in options) if covered else 0.0
        high += max(hi for _, hi in options)
    return low, high


# ---- every catalog routine ------------------------------------------------------------------


def test_catalog_yaml_lists_exactly_the_catalog_ids():
    expected = {
        "feelings-check-in", "ride-the-wave", "name-the-rumination", "task-positive",
        "reach-out", "aces", "what-i-do", "antecedent-narrative", "concurrent-narrative",
        "consolidation-narrative", "commute-rehearsal", "compassion", "wholehearted",
        "skill-challenge", "breathing", "mindful-moment", "between-clients", "movement-break",
        "supervision-prep", "teaming", "strategic-vacation", "accountability-check",
        "practice-plan", "review-plan",
    }  # fmt: skip
    assert set(ALL_IDS) == expected


@pytest.mark.parametrize("rid", ALL_IDS)
def test_file_exists_and_validates(rid):
    path = loader.DATA_DIR / f"{rid}.yaml"
    assert path.is_file(), f"no routine file for catalog id {rid}"
    _, problems = loader.validate_path(path)
    assert problems == []


@pytest.mark.parametrize("rid", ALL_IDS)
def test_element_matches_the_catalog(rid):
    assert routine(rid).element == ELEMENT_OF[rid]


@pytest.mark.parametrize("rid", ALL_IDS)
def test_opens_by_speaking(rid):
    skip_if_exempt(rid, "opens-with-say")
    first = routine(rid).steps[0]
    assert isinstance(first, Say), f"{rid} starts with {type(first).__name__}, not a spoken line"


@pytest.mark.parametrize("rid", ALL_IDS)
def test_ends_with_a_one_line_close(rid):
    """The last spoken step is a short closing line (a next-routine offer may follow it)."""
    skip_if_exempt(rid, "ends-with-close")
    steps = list(routine(rid).steps)
    if isinstance(steps[-1], Choose):
        steps.pop()
    close = steps[-1]
    assert isinstance(close, Say), f"{rid} ends with {type(close).__name__}"
    assert not templates.has_placeholders(close.text)
    assert words(close.text) <= MAX_CLOSE_WORDS, close.text
    assert not close.text.rstrip().endswith("?"), "a close is not a question"


@pytest.mark.parametrize("rid", ALL_IDS)
def test_offers_a_checkin_before_and_after(rid):
    """Offered, not forced: a short-lived check-in before the practice and one after it."""
    r = routine(rid)
    checkins = [s for s in walk(r.steps) if isinstance(s, CheckIn)]
    moments = [c.moment for c in checkins]
    assert "after" in moments, f"{rid} never offers the after check-in"
    assert moments[-1] == "after"
    assert all(c.wait <= 15 for c in checkins), "a check-in offer must not hold the user long"
    if (rid, "checkin-before") not in EXCEPTIONS:
        assert moments[0] == "before", f"{rid} does not offer a check-in before the practice"
    # nothing is practised after the after check-in: only the close (and an offer) follow it
    holds_after = [
        i
        for i, step in enumerate(r.steps)
        if any(isinstance(s, CheckIn) and s.moment == "after" for s in walk((step,)))
    ]
    assert all(isinstance(s, Say | Choose) for s in r.steps[holds_after[-1] + 1 :])


@pytest.mark.parametrize("rid", ALL_IDS)
def test_default_length_fits_and_matches_the_steps(rid):
    r = routine(rid)
    longest = LONGER.get(rid, 180.0)
    assert 60.0 <= r.length <= longest, f"{rid}: default length {r.length:.0f} s"
    low, high = estimate(r.steps)
    # the declared length is what "make it three minutes" scales from: it must be reachable
    assert low <= r.length * 1.15, f"{rid}: takes at least {low:.0f} s, declares {r.length:.0f}"
    assert high >= r.length * 0.85, f"{rid}: takes at most {high:.0f} s, declares {r.length:.0f}"


@pytest.mark.parametrize("rid", ALL_IDS)
def test_every_placeholder_has_a_spoken_fallback(rid):
    for text in all_spoken(routine(rid)):
        for heard in renderings(text):
            assert heard.strip(), f"empty line from {text!r}"
            assert "{" not in heard and "}" not in heard, heard
            assert "None" not in heard.split(), heard


# ---- the routines of this content set (examples excluded where their rules differ) ----------

OWN_IDS = [rid for rid in ALL_IDS if rid not in {"breathing", "feelings-check-in"}]


@pytest.mark.parametrize("rid", OWN_IDS)
def test_sentences_are_short_and_speakable(rid):
    for text in all_spoken(routine(rid)):
        for heard in renderings(text):
            assert not TTS_HAZARDS.search(heard), f"hard to speak: {heard!r}"
            for sentence in re.split(r"(?<=[.?!])\s+", heard):
                assert words(sentence) <= MAX_SENTENCE_WORDS, f"too long to hear: {sentence!r}"


@pytest.mark.parametrize("rid", OWN_IDS)
def test_no_clinical_words_or_promises(rid):
    r = routine(rid)
    for text in [r.title, r.summary, *all_spoken(r)]:
        for heard in renderings(text):
            found = FORBIDDEN.search(heard.lower())
            assert found is None, f"{rid}: {found and found.group(0)!r} in {heard!r}"


@pytest.mark.parametrize("rid", OWN_IDS)
def test_leaves_real_time_to_practise(rid):
    """Quiet, breathing or listening time a person can use; no pause is a mere blip."""
    if rid == "review-plan":
        pytest.skip("reads the saved plan back: nothing to practise, so no practice time")
    steps = list(walk(routine(rid).steps))
    pauses = [s.seconds for s in steps if isinstance(s, Pause)]
    assert all(seconds >= 2 for seconds in pauses)
    breathing = [
        s.planned_cycles() * s.pattern.cycle_seconds for s in steps if isinstance(s, Breathe)
    ]
    listening = [s.wait for s in steps if isinstance(s, Ask | Record)]
    assert sum(pauses) + sum(breathing) + sum(listening) >= 30


INVITES_SPEECH = re.compile(r"\b(say|try|tell|put)\b[^.?!]*\bout loud\b", re.IGNORECASE)


@pytest.mark.parametrize("rid", OWN_IDS)
def test_speaking_aloud_is_listened_to_not_timed_as_quiet(rid):
    """A line inviting the user to speak now is a record/ask step, so the app listens to
    what they say as an answer (and moves on when they finish) instead of hearing it as a
    command it does not understand in the middle of a quiet pause."""

    def check(steps: tuple[Step, ...]) -> None:
        for step, following in zip(steps, (*steps[1:], None), strict=True):
            if isinstance(step, Say) and INVITES_SPEECH.search(step.text):
                assert not isinstance(following, Pause), f"{rid}: {step.text!r} then quiet"
            for branch in branches(step):
                check(branch)

    check(routine(rid).steps)


# ---- what each catalog row promises ---------------------------------------------------------


def said(rid: str, plan: dict[str, str] | None = None) -> str:
    return " ".join(templates.render(t, plan or {}) for t in all_spoken(routine(rid)))


def test_ride_the_wave_has_a_long_quiet_stretch_with_at_most_a_gentle_cue():
    pauses = [s for s in walk(routine("ride-the-wave").steps) if isinstance(s, Pause)]
    longest = max(pauses, key=lambda p: p.seconds)
    assert 75 <= longest.seconds <= 120


def test_name_the_rumination_labels_thought_and_feeling_then_offers_next_steps():
    r = routine("name-the-rumination")
    text = said("name-the-rumination").lower()
    assert "i am ruminating" in text
    assert "thought" in text and "feeling" in text
    offers = [s for s in walk(r.steps) if isinstance(s, Choose)]
    assert offers and {"task-positive", "reach-out"} <= set(offers[0].options)


def test_task_positive_uses_the_three_saved_activities_or_suggests_some():
    with_plan = said("task-positive", SAMPLE_PLAN)
    assert "writing one note, filing the forms and a short walk" in with_plan
    without = said("task-positive")
    assert "writing one note" not in without and "haven't saved" in without


@pytest.mark.parametrize("rid", ["reach-out", "accountability-check", "teaming"])
def test_partner_is_named_when_saved(rid):
    assert "Maria Lopez" in said(rid, SAMPLE_PLAN)
    assert "Maria Lopez" not in said(rid)


def test_aces_walks_the_four_letters_in_order_and_asks_for_one_concrete_step():
    steps = [s.text.lower() for s in routine("aces").steps[1:] if isinstance(s, Say)]
    openers = [next(i for i, t in enumerate(steps) if w in t) for w in
               ("action oriented", "concrete", "experiential", "specific")]  # fmt: skip
    assert openers == sorted(set(openers)), "one step per letter, in order"
    assert "what is one concrete thing you will do next, and when?" in said("aces").lower()


def test_what_i_do_asks_the_question_and_saves_only_on_yes():
    r = routine("what-i-do")
    assert "when people ask what you do, what do you say?" in said("what-i-do").lower()
    ask = next(s for s in walk(r.steps) if isinstance(s, Ask) and s.answer == "yes-no")
    yes_saves = [s.save_text for s in walk(ask.branch("yes") or ()) if isinstance(s, Record)]
    other = [
        s.save_text
        for b in (ask.branch("no") or (), ask.branch("none") or ())
        for s in walk(b)
        if isinstance(s, Record)
    ]
    assert any(yes_saves) and not any(other)


def test_antecedent_and_concurrent_narratives_ask_their_catalog_questions():
    assert "how did we get here?" in said("antecedent-narrative").lower()
    assert "what are you saying to yourself" in said("concurrent-narrative").lower()


def test_consolidation_closes_on_competence_or_questioning_then_reframes():
    text = said("consolidation-narrative")
    question = "Is this a story of competence, or of questioning?"
    assert question in text
    after = text[text.index(question) + len(question) :].lower()
    assert "competence" in after


def test_commute_rehearsal_replays_three_narratives_and_can_record_a_new_one():
    r = routine("commute-rehearsal")
    text = said("commute-rehearsal", SAMPLE_PLAN)
    for key in ("narrative_commute", "narrative_intensity", "narrative_why"):
        assert SAMPLE_PLAN[key] in text
    assert "out loud" in text
    recorded = {s.key for s in walk(r.steps) if isinstance(s, Record) and s.save}
    assert recorded == {"narrative_commute", "narrative_intensity", "narrative_why"}


def test_compassion_wholehearted_and_skill_challenge_keep_their_core_questions():
    assert "what am i feeling?" in said("compassion").lower()
    assert "should i be doing this, or shouldn't i?" in said("wholehearted").lower()
    assert "what are you learning" in said("skill-challenge").lower()


def test_mindful_moment_has_a_silent_mode_with_cues_only_at_start_and_end():
    r = routine("mindful-moment")
    mode = next(s for s in r.steps if isinstance(s, Ask) and s.answer == "yes-no")
    silent = mode.branch("yes")
    assert silent is not None
    spoken = [s for s in walk(silent) if spoken_texts(s) or isinstance(s, CheckIn)]
    assert len(spoken) <= 1 and isinstance(silent[-1], Pause) and silent[-1].seconds >= 60
    # after the silent stretch only the one closing line is spoken
    rest = r.steps[r.steps.index(mode) + 1 :]
    assert len(rest) == 1 and isinstance(rest[0], Say)
    # the guided version runs whether the answer is no or nothing at all
    assert mode.branch("no") == mode.branch("none")


def test_between_clients_breathes_checks_in_and_sets_an_intention():
    r = routine("between-clients")
    assert any(isinstance(s, Breathe) for s in walk(r.steps))
    assert "intention for your next client" in said("between-clients")


def test_movement_break_guides_standing_and_moving_with_a_seated_option():
    text = said("movement-break").lower()
    assert "stand" in text and "seated" in text


def test_supervision_prep_saves_a_note_to_the_journal():
    r = routine("supervision-prep")
    assert any(isinstance(s, Record) and s.save_text == "supervision" for s in walk(r.steps))


def test_strategic_vacation_plans_twenty_minutes_and_keeps_the_plan():
    r = routine("strategic-vacation")
    assert "at least twenty minutes" in said("strategic-vacation")
    assert any(isinstance(s, Record) and s.save_text for s in walk(r.steps))
    assert "gardening" in said("strategic-vacation", SAMPLE_PLAN)


def test_accountability_check_reviews_the_commitments_and_asks_how_they_went():
    text = said("accountability-check", SAMPLE_PLAN)
    for key in ("experiential", "mindful_moments"):
        assert SAMPLE_PLAN[key].splitlines()[0] in text
    assert "writing one note, filing the forms and a short walk" in text
    asks = [s for s in walk(routine("accountability-check").steps) if isinstance(s, Ask)]
    assert len(asks) >= 3


def test_practice_plan_asks_all_six_questions_and_saves_every_plan_key():
    r = routine("practice-plan")
    saved = {s.key: s for s in walk(r.steps) if isinstance(s, Ask) and s.save}
    assert set(saved) == set(templates.PLAN_KEYS)
    assert saved["task_positive"].answer == "list" and saved["task_positive"].items == 3
    assert saved["mindful_moments"].answer == "list" and saved["mindful_moments"].items == 2
    text = said("practice-plan")
    for n in ("one", "two", "three", "four", "five", "six"):
        assert f"Question {n}" in text


def test_review_plan_reads_back_every_answer_with_fallbacks():
    r = routine("review-plan")
    assert r.placeholders == set(templates.PLAN_KEYS)
    full = said("review-plan", SAMPLE_PLAN)
    for value in SAMPLE_PLAN.values():
        assert value.splitlines()[-1] in full
    empty = said("review-plan")
    assert empty.count("haven't") >= len(templates.PLAN_KEYS)


# ---- running them ---------------------------------------------------------------------------


class _TimedSpeaker:
    """Speech takes time on the fake clock: about 165 words a minute."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.speaking = False
        self.lines: list[str] = []
        self._stop = threading.Event()

    def say(self, text: str) -> None:
        self.lines.append(text)
        self._stop.clear()
        self.clock.wait_until(self.clock.now() + words(text) / WORDS_PER_SECOND, self._stop)

    def cue(self, kind: str, seconds: float) -> None:
        self._stop.clear()
        self.clock.wait_until(self.clock.now() + seconds, self._stop)

    def stop(self) -> None:
        self._stop.set()

    def set_rate(self, factor: float) -> None:
        pass

    def set_volume(self, factor: float) -> None:
        pass


@pytest.mark.parametrize("rid", OWN_IDS)
def test_runs_to_its_close_for_a_user_who_never_answers(rid):
    r = routine(rid)
    clock = FakeClock(0.0)
    speaker = _TimedSpeaker(clock)
    result = Runner(r, speaker, clock).run()
    assert result.completed
    close = [s for s in r.steps if isinstance(s, Say)][-1]
    assert close.text in speaker.lines[-2:]
    # waits are upper bounds, so a silent user sees the longest run: still a short practice
    assert 60 <= result.seconds <= 2 * LONGER.get(rid, 180.0), result.seconds
