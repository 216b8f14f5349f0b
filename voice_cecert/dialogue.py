"""The assistant's state machine: what an understood (or not understood) utterance does now.

It is the one place that knows the conversation's state (sleeping, idle, running a routine,
awaiting an answer), so it also decides what the recogniser may hear next (`allowed()` and
`grammar()`): a small grammar per state is what keeps a hands-free coach from starting a
routine because a client in the room said something similar.

Everything here runs on one thread (the assistant loop): utterances, routine events and clock
ticks arrive in order, which keeps the state machine free of locks and replayable in tests.
Audio, recognition, routine pacing and speech output live elsewhere and reach this class only
through the small protocols below.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol

import yaml
from rapidfuzz import fuzz, process

from voice_cecert.intents.types import CONTROLS, ELEMENTS, Intent
from voice_cecert.journal import PLAN_QUESTIONS

# Controls that make sense while a routine runs (also while it waits for an answer): every
# control of the contract but those about the app itself, plus changing the routine's length
# or breathing pattern, and the safety net.
ROUTINE_CONTROLS = (frozenset(CONTROLS) - {"menu", "progress", "wake"}) | {
    "duration",
    "pattern",
    "crisis",
}
# Commands when nothing runs (routine names are added from the matcher's names): every control
# but those that move within a routine, plus the element menus and redoing a plan answer.
# A bare length ("five minutes") is not one: with nothing running it asks for nothing, and in
# the idle grammar it was the phrase that number-like talk fitted best (3 of the benchmark's
# 14 human recordings, "five five" as "five minute"). A length said with a practice is part of
# that practice's phrase. Learning or forgetting the user's voice is for idle only: it takes
# over the microphone for a few minutes.
IDLE_COMMANDS = (frozenset(CONTROLS) - {"resume", "skip", "back", "wake"}) | {
    "element",
    "change-plan",
    "crisis",
    "learn-voice",
    "forget-voice",
}
# While the app is talking only these interrupt it; everything else heard is its own voice.
BARGE_IN = frozenset({"stop", "pause"})
ANSWER_INTENTS = {
    "yes-no": frozenset({"yes", "no"}),
    "number": frozenset({"number"}),
    "duration": frozenset({"duration"}),
    "free": frozenset(),
    "choose": frozenset(),
}
HELP_PAGE = 5


class State(enum.Enum):
    SLEEPING = "sleeping"
    IDLE = "idle"
    ROUTINE = "routine"
    ANSWER = "answer"


def answer_kind(kind: str) -> str:
    """Map a routine step's answer kind onto the four the dialogue listens for.

    Routine files may name kinds more finely (a 0-10 check-in, a list of activities, a recorded
    narrative); what matters here is which grammar to listen with.
    """
    k = kind.lower()
    if "yes" in k or k in {"confirm", "bool", "boolean"}:
        return "yes-no"
    if k in {"number", "checkin", "check-in", "intensity", "scale", "rating"}:
        return "number"
    if k in {"duration", "seconds", "minutes"}:
        return "duration"
    if k in {"choose", "choice"}:
        return "choose"
    return "free"


def answer_kind_is_checkin(kind: str | None) -> bool:
    return (kind or "").lower() in {"checkin", "check-in", "intensity"}


# ---- what the dialogue needs from the other stages ---------------------------------------


class Matcher(Protocol):
    def match(
        self,
        text: str,
        allowed: Iterable[str] | None = None,
        strict: bool = False,
        verified: bool = True,
        safety_net: bool = True,
    ) -> Intent | None: ...

    def phrases(self, allowed: Iterable[str] | None = None) -> list[str]: ...

    def names(self) -> Sequence[str]: ...

    def rank(
        self, text: str, allowed: Iterable[str] | None = None, limit: int = 3
    ) -> list[tuple[str, float]]: ...


class RoutineHost(Protocol):
    """Runs one routine at a time (on its own thread) and reports back through events."""

    def available(self, routine_id: str) -> bool: ...

    def start(
        self,
        routine_id: str,
        seconds: int | None = None,
        given: dict[str, Any] | None = None,
        only_keys: frozenset[str] | None = None,
    ) -> int:
        """Start (stopping any other); returns the run number its events will carry."""

    def control(self, name: str, slots: dict[str, Any]) -> None: ...

    def answer(self, value: Any) -> None: ...

    def stop(self) -> None: ...


class Output(Protocol):
    """The dialogue's voice. `say` must not block the caller for long (audio keeps coming)."""

    @property
    def speaking(self) -> bool: ...

    def say(self, text: str) -> None: ...

    def stop(self) -> None: ...

    def set_rate(self, factor: float) -> None: ...

    def set_volume(self, factor: float) -> None: ...

    def set_voice(self, voice: str) -> None: ...

    def voices(self) -> Sequence[str]: ...


class VoiceLearner(Protocol):
    """Learning the user's voice by ear, and forgetting it (live_voice.py)."""

    @property
    def listens(self) -> bool:
        """A live microphone: the sentences can be said back (not typed text, not a file)."""

    @property
    def serves_session(self) -> bool:
        """The speech engine in use would use a learned voice (pocketsphinx, not vosk)."""

    def missing_tools(self) -> Sequence[str]: ...

    def has_voice(self) -> bool: ...

    def learn(self) -> None:
        """Start once this utterance is handled; a VoiceLearned event follows."""

    def forget(self) -> bool: ...


class JournalLike(Protocol):
    """Only read here ("how am I doing"); practices are logged as routines run."""

    def summary(self) -> Any: ...  # a str, or an object with .spoken() -> str


# ---- events the routine host sends (through the assistant loop, in order) -----------------


@dataclass(frozen=True)
class RoutineStarted:
    routine_id: str
    run: int = 0  # which start this belongs to (a stopped run may report after a new one)


@dataclass(frozen=True)
class AnswerExpected:
    kind: str  # "yes-no" | "number" | "checkin" | "list" | "text" | "record" | "choose" | ...
    options: tuple[str, ...] = ()  # for "choose": the spoken options
    run: int = 0


@dataclass(frozen=True)
class AnswerClosed:
    """The question is over (answered, or the routine stopped waiting)."""

    run: int = 0


@dataclass(frozen=True)
class RoutineEnded:
    routine_id: str
    completed: bool
    seconds: float
    run: int = 0
    next_routine: str | None = None  # the user chose what comes next


HostEvent = RoutineStarted | AnswerExpected | AnswerClosed | RoutineEnded


@dataclass(frozen=True)
class VoiceLearned:
    """The enrolment asked for with "learn my voice" is over (sent by the assistant loop)."""

    taken: int  # sentences heard clearly
    total: int
    needed: int  # fewer taken than this and nothing is learned
    saved: bool
    in_use: bool = False  # the running session already listens with it
    problem: str = ""  # why nothing was saved, when it was not too few sentences
    stopped: bool = False  # the user said "stop" instead of a sentence: nothing was learned
    crisis: bool = False  # words of crisis instead of a sentence: nothing learned, crisis answer


# ---- configuration and prompts ------------------------------------------------------------


@dataclass(frozen=True)
class DialogueConfig:
    wake_phrase: str = "hey coach"
    crisis_line: str = "988"
    partner: str | None = None
    sleep_timeout_s: float | None = 300.0  # None: never fall asleep by itself (always on)
    push_to_talk: bool = False
    confirm_score: float = 80.0  # fuzzy (non-exact) routine matches below this are confirmed
    confirm_confidence: float = 0.3  # recogniser confidence below this is confirmed too
    rate: float = 1.0  # factors of the configured speech rate and volume
    volume: float = 1.0
    volume_max: float = 1.0  # the factor that reaches full loudness
    voice: str = ""  # the speaker's voice id ("" = the engine's default)


@dataclass(frozen=True)
class Messages:
    """Prompt text from dialogue_messages.yaml; variants rotate so re-prompts vary."""

    data: dict[str, Any]
    _turn: dict[str, int] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls) -> Messages:
        text = resources.files("voice_cecert").joinpath("dialogue_messages.yaml").read_text()
        return cls(yaml.safe_load(text))

    def pick(self, key: str, **values: Any) -> str:
        entry = self.data[key]
        if isinstance(entry, list):
            n = self._turn.get(key, 0)
            self._turn[key] = n + 1
            entry = entry[n % len(entry)]
        return str(entry).format(**values)

    def title(self, routine_id: str) -> str:
        return str(self.data["routine_titles"].get(routine_id, routine_id.replace("-", " ")))


def spoken_list(items: Sequence[str], joiner: str = "or") -> str:
    quoted = [f"'{item}'" for item in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + f", {joiner} " + quoted[-1]


def _normalise(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


# ---- the state machine --------------------------------------------------------------------


def crisis_message(msg: Messages, crisis_line: str, partner: str | None) -> str:
    """The calm answer to words of crisis, naming the user's partner when one is known; also
    said by `voice-cecert enrol`, which listens for them between its sentences."""
    person = (
        msg.pick("crisis_person_named", partner=partner) if partner else msg.pick("crisis_person")
    )
    return msg.pick("crisis", person=person, crisis_line=crisis_line)


class Dialogue:
    def __init__(
        self,
        *,
        matcher: Matcher,
        host: RoutineHost,
        out: Output,
        now: Callable[[], float],
        config: DialogueConfig | None = None,
        messages: Messages | None = None,
        journal: JournalLike | None = None,
        save_prefs: Callable[[float, float, str], None] | None = None,
        voice_learner: VoiceLearner | None = None,
    ) -> None:
        self.matcher = matcher
        self.host = host
        self.out = out
        self.now = now
        self.config = config or DialogueConfig()
        self.msg = messages or Messages.load()
        self.journal = journal
        self.save_prefs = save_prefs
        self.voice_learner = voice_learner
        self.state = State.IDLE
        self.finished = False
        self.paused = False
        self.rate = self.config.rate
        self.volume = self.config.volume
        self.voice = self.config.voice
        self._routine: str | None = None
        self._expecting: str | None = None  # raw answer kind while in ANSWER
        self._confirming: Intent | None = None
        self._options: tuple[str, ...] = ()
        self._sleep_phrases: Sequence[str] | None = None
        self._misses = 0
        self._help: tuple[str, int] | None = None  # (help key, next index)
        self._last_line = ""
        self._last_activity = now()
        self._intensities: deque[int] = deque(maxlen=2)
        self._run = 0  # the run number the host gave the routine started last
        self._all_names = frozenset(matcher.names())

    # -- output ---------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self._last_line = text
        self.out.say(text)

    def greet(self) -> None:
        self.say(self.msg.pick("greeting"))

    # -- what may be heard now --------------------------------------------------------------
    def allowed(self) -> frozenset[str] | None:
        """Intent names that mean something in the current state (None: sleeping)."""
        if self.state is State.SLEEPING:
            return None
        if self.state is State.IDLE:
            routines = {n for n in self._all_names if n not in ROUTINE_CONTROLS | IDLE_COMMANDS} - {
                "yes",
                "no",
                "number",
                "pattern",
                "wake",
                "resume",
                "skip",
                "back",
            }
            names = IDLE_COMMANDS | routines
            if self._confirming is not None:
                names = names | {"yes", "no"}
            return frozenset(names & self._all_names)
        names = set(ROUTINE_CONTROLS)
        if self.state is State.ANSWER and self._expecting is not None:
            names |= ANSWER_INTENTS[answer_kind(self._expecting)]
        return frozenset(names & self._all_names)

    def grammar(self) -> Sequence[str] | None:
        """Phrases for the recogniser; None only while free dictation is wanted."""
        if self.state is State.SLEEPING:
            return self._sleep_grammar()
        if self.free_dictation:
            return None
        phrases = self.matcher.phrases(self.allowed())
        if self._choosing:
            phrases = [*phrases, *self._options]
        return phrases

    def likely_grammars(self) -> list[Sequence[str]]:
        """Grammars of the states a session soon reaches (a routine, its questions, sleep), so
        the recogniser can prepare them while nothing else is happening."""
        sets = [ROUTINE_CONTROLS | extra for extra in ANSWER_INTENTS.values()]
        grammars = [self.matcher.phrases(frozenset(s & self._all_names)) for s in sets]
        return [*grammars, self._sleep_grammar()]

    def _sleep_grammar(self) -> Sequence[str]:
        """The wake phrases with the intents file's filler path, so that other speech decodes
        to filler rather than to the wake phrase. A custom wake phrase the intents file does
        not know gets the filler words as one-word phrases beside it, for the same reason."""
        if self._sleep_phrases is None:
            wake = _normalise(self.config.wake_phrase)
            filler = getattr(self.matcher, "filler", None)
            phrases: Sequence[str] = [wake, *(filler() if filler is not None else ())]
            if "wake" in self._all_names:
                known = self.matcher.phrases(["wake"])
                if wake in {_normalise(p) for p in known}:
                    phrases = known
            self._sleep_phrases = phrases
        return self._sleep_phrases

    @property
    def _choosing(self) -> bool:
        return self.state is State.ANSWER and answer_kind(self._expecting or "") == "choose"

    @property
    def free_dictation(self) -> bool:
        return (
            self.state is State.ANSWER
            and self._expecting is not None
            and answer_kind(self._expecting) == "free"
        )

    # -- input ------------------------------------------------------------------------------
    def on_utterance(
        self,
        text: str,
        confidence: float = 1.0,
        during_speech: bool = False,
        strict: bool = False,
        verified: bool = True,
        safety_net: bool = True,
        second: str = "",
        second_confidence: float = 1.0,
    ) -> None:
        """One utterance heard (or typed). While sleeping only the wake phrase is looked at and
        nothing heard is kept; while the app speaks only 'stop' and 'pause' count. `strict`:
        the recogniser was held to the state's grammar, so only a whole phrase means anything
        (a near miss is the decoder's best guess at unrelated speech, not a command).
        `second`: the recogniser's free-text reading of an utterance whose phrase it could not
        verify (Transcript.second), tried when the phrase means nothing; a routine it finds
        with a loose score is confirmed first, like any fuzzy match."""
        if self.finished:
            return
        if self.state is State.SLEEPING:
            if not self.config.push_to_talk and self._is_wake_phrase(text):
                self.wake()
            return
        if not text.strip():
            return
        if during_speech:
            intent = self.matcher.match(
                text,
                BARGE_IN & self._all_names,
                strict=strict,
                verified=verified,
                safety_net=safety_net,
            )
            if intent is not None:
                self._handle(intent, confidence)
            return
        if self.free_dictation:
            control = self.matcher.match(
                text, self.allowed(), verified=verified, safety_net=safety_net
            )
            if control is not None and control.exact:
                self._handle(control, confidence)
            else:
                self._activity()
                self._answer(text)
            return
        # Strict only when idle, where a near miss would start a practice nobody asked for;
        # an answer or a control is cheap to correct, and decoders often add a stray word
        # after a short answer ("ten out" for "ten") that only a fuzzy match forgives.
        strict = strict and self.state is State.IDLE
        intent = self.matcher.match(
            text, self.allowed(), strict=strict, verified=verified, safety_net=safety_net
        )
        if intent is None and second.strip():
            intent = self.matcher.match(second, self.allowed())
            if intent is not None:
                text, confidence = second, second_confidence
        if intent is None and self._choosing:
            option = self._pick_option(text)
            if option is not None:
                self._misses = 0
                self._activity()
                self._answer(option)
                return
        if intent is None:
            self._not_understood(text)
        else:
            self._handle(intent, confidence)

    def wake(self) -> None:
        """Wake phrase heard (or, with push-to-talk, Enter pressed while asleep)."""
        if self.state is not State.SLEEPING:
            return
        self.state = State.ROUTINE if self._routine is not None else State.IDLE
        if self._routine is not None and self._expecting is not None:
            self.state = State.ANSWER
        self._activity()
        line = self.msg.pick("wake")
        if self._routine is not None:
            line += " " + self.msg.pick("paused")
        self.say(line)

    def on_event(self, event: HostEvent | VoiceLearned) -> None:
        if isinstance(event, VoiceLearned):
            self._voice_learned(event)
            return
        if isinstance(event, RoutineStarted):
            return  # the host logs practices; the dialogue already knows what it started
        if isinstance(event, AnswerExpected):
            if self._routine is None or event.run != self._run:
                return
            self._expecting = event.kind
            self._options = event.options
            if self.state is not State.SLEEPING:
                self.state = State.ANSWER
        elif isinstance(event, AnswerClosed):
            if event.run == self._run and self.state is State.ANSWER:
                self.state = State.ROUTINE
                self._expecting = None
        elif isinstance(event, RoutineEnded):
            if event.run != self._run or self._routine is None:
                return  # a run already stopped by the user, or replaced by a newer one
            was_running = self._routine is not None
            self._routine = None
            self._expecting = None
            self.paused = False
            if self.state in (State.ROUTINE, State.ANSWER):
                self.state = State.IDLE
            self._activity()
            if event.next_routine and self.host.available(event.next_routine):
                self._start(Intent(event.next_routine, "", 100.0, event.next_routine, exact=True))
            elif was_running and event.completed and self.state is State.IDLE:
                self.say(self.msg.pick("routine_ended"))

    def tick(self) -> None:
        """Called often by the loop: falls asleep after the idle time-out (unless always on)."""
        timeout = self.config.sleep_timeout_s
        if (
            timeout is not None
            and self.state is State.IDLE
            and self._confirming is None
            and not self.out.speaking
            and self.now() - self._last_activity >= timeout
        ):
            self._sleep("sleep_timeout")

    # -- internals --------------------------------------------------------------------------
    def _pick_option(self, text: str) -> str | None:
        best = process.extractOne(
            _normalise(text), [_normalise(o) for o in self._options], scorer=fuzz.WRatio
        )
        if best is None or best[1] < 75:
            return None
        return self._options[best[2]]

    def _activity(self) -> None:
        self._last_activity = self.now()

    def _is_wake_phrase(self, text: str) -> bool:
        heard, wake = _normalise(text), _normalise(self.config.wake_phrase)
        return bool(wake) and (heard == wake or f" {wake} " in f" {heard} ")

    def _not_understood(self, text: str) -> None:
        # Mid-routine, speech that is no control is usually the practice itself (naming a
        # feeling aloud, a sigh, a murmur in a quiet stretch): answering it would break the
        # very quiet the routine is making. Controls and "what can I say" still work.
        if self.state is State.ROUTINE:
            return
        self._misses += 1
        self._help = None
        if self._misses < 2:
            self.say(self.msg.pick("reprompt"))
            return
        self._misses = 0
        options = [self.spoken_name(name) for name in self._likely(text)]
        self.say(self.msg.pick("offer_options", options=spoken_list(options)))

    def _likely(self, text: str) -> list[str]:
        """The three most likely intents for a miss, by the matcher's own scores; padded with
        the first help options so there are always three to offer."""
        names: list[str] = []
        rank = getattr(self.matcher, "rank", None)
        if rank is not None:
            names = [n for n, _ in rank(text, self.allowed(), 3)]
        names = [n for n in names if n not in {"crisis", "more", "number", "duration", "pattern"}]
        for fallback in self._help_options():
            if len(names) >= 3:
                break
            if fallback not in names:
                names.append(fallback)
        return names[:3]

    def spoken_name(self, name: str) -> str:
        if name in self.msg.data["routine_titles"]:
            return self.msg.title(name)
        if name == "element":
            return "tell me about rumination"
        if name == "progress":
            return "how am I doing"
        if name in ("learn-voice", "forget-voice"):
            return name.replace("-", " my ")
        return name

    def _help_key(self) -> str:
        if self._confirming is not None:
            return "confirm"
        if self.state is State.ANSWER and self._expecting is not None:
            return "answer_" + answer_kind(self._expecting)
        if self.state is State.ROUTINE:
            return "paused" if self.paused else "routine"
        return "idle"

    def _help_options(self) -> list[str]:
        return list(self.msg.data["help_options"][self._help_key()])

    def _speak_help(self, start: int) -> None:
        key = self._help_key()
        options = self._help_options()
        page = options[start : start + HELP_PAGE]
        if not page:
            self._help = None
            self.say(self.msg.pick("nothing_more"))
            return
        nxt = start + len(page)
        line = f"{self.msg.pick('help_intro')} {spoken_list(page)}."
        if nxt < len(options):
            line += " " + self.msg.pick("help_more")
            self._help = (key, nxt)
        else:
            self._help = None
        self.say(line)

    def _handle(self, intent: Intent, confidence: float) -> None:
        self._misses = 0
        self._activity()
        name = intent.name
        if name == "crisis":
            self._crisis()
            return
        if self._confirming is not None and name in {"yes", "no"}:
            pending, self._confirming = self._confirming, None
            if name == "yes":
                self._confirmed(pending)
            else:
                self.say(self.msg.pick("confirm_declined"))
            return
        self._confirming = None
        if name != "more":
            self._help = None
        handler = getattr(self, "_on_" + name.replace("-", "_"), None)
        if handler is not None:
            handler(intent)
        elif intent.routine is not None:
            if self._needs_confirming(intent, confidence):
                self._confirming = intent
                self.say(self.msg.pick("confirm_routine", title=self.msg.title(intent.routine)))
            else:
                self._start(intent)
        elif self.state is State.ANSWER:
            self._answer(intent)
        else:
            self._not_understood(intent.text)

    def _confirmed(self, pending: Intent) -> None:
        if pending.name == "learn-voice" and self.voice_learner is not None:
            self.voice_learner.learn()  # the enrolment speaks for itself from here
        elif pending.name == "forget-voice" and self.voice_learner is not None:
            gone = self.voice_learner.forget()
            self.say(self.msg.pick("forget_voice_done" if gone else "forget_voice_none"))
        else:
            self._start(pending)

    def _needs_confirming(self, intent: Intent, confidence: float) -> bool:
        fuzzy = not intent.exact and intent.score < self.config.confirm_score
        return fuzzy or confidence < self.config.confirm_confidence

    def _start(self, intent: Intent) -> None:
        routine = intent.routine or intent.name
        if not self.host.available(routine):
            self.say(self.msg.pick("routine_missing", title=self.msg.title(routine)))
            return
        self.out.stop()
        self._routine = routine
        self._expecting = None
        self.paused = False
        self.state = State.ROUTINE
        seconds = intent.slots.get("seconds")
        given = {k: v for k, v in intent.slots.items() if k != "seconds"}
        self._run = self.host.start(
            routine, int(seconds) if seconds is not None else None, given=given
        )

    def _answer(self, answer: Intent | str) -> None:
        if isinstance(answer, str):
            value: Any = answer
        elif answer.name in {"yes", "no"}:
            value = answer.name == "yes"
        elif answer.name == "number":
            value = int(answer.slots["number"])
        elif answer.name == "duration":
            value = int(answer.slots["seconds"])
        else:
            value = answer.text
        checkin = answer_kind_is_checkin(self._expecting)
        self._expecting = None
        self.state = State.ROUTINE
        if checkin and isinstance(value, int):
            self._intensities.append(value)
            if len(self._intensities) == 2 and min(self._intensities) >= 9:
                self._crisis()  # before the routine hears it and moves on
                return
        self.host.answer(value)

    def _crisis(self) -> None:
        self.out.stop()
        if self._routine is not None:
            self.host.stop()
        self._routine = None
        self._expecting = None
        self._confirming = None
        self.paused = False
        self._intensities.clear()
        self.state = State.IDLE
        partner = self.config.partner or self._saved_partner()
        self.say(crisis_message(self.msg, self.config.crisis_line, partner))

    def _saved_partner(self) -> str | None:
        """The accountability partner named in the practice plan, if the user saved one."""
        lookup = getattr(self.journal, "get_answer", None)
        try:
            name = lookup("partner") if lookup is not None else None
        except Exception:  # a broken journal must not hold up the safety answer
            return None
        return name.strip() or None if isinstance(name, str) else None

    def _sleep(self, key: str) -> None:
        if self._routine is not None and not self.paused:
            self.host.control("pause", {})
            self.paused = True
        self._help = None
        self._confirming = None
        if self.config.push_to_talk:
            key = "sleep_push_to_talk"
        self.say(self.msg.pick(key, wake=self.config.wake_phrase))
        self.state = State.SLEEPING

    def _routine_control(self, intent: Intent) -> bool:
        """Pass a control to the running routine; False when none runs."""
        if self._routine is None:
            return False
        self.host.control(intent.name, dict(intent.slots))
        return True

    # -- one handler per intent name (looked up by `_handle`) -------------------------------
    def _on_help(self, intent: Intent) -> None:
        self._speak_help(0)

    def _on_more(self, intent: Intent) -> None:
        if self._help is not None and self._help[0] == self._help_key():
            self._speak_help(self._help[1])
        else:
            self._speak_help(0)

    def _on_menu(self, intent: Intent) -> None:
        self.say(self.msg.pick("menu"))

    def _on_element(self, intent: Intent) -> None:
        element = intent.slots.get("element")
        if element not in ELEMENTS:
            self._on_menu(intent)
            return
        routines = [self.msg.title(r) for r in self.msg.data["element_routines"][element]]
        name = self.msg.data["element_names"][element]
        self.say(self.msg.pick("element_intro", element=name, routines=spoken_list(routines)))

    def _on_stop(self, intent: Intent) -> None:
        was_speaking = self.out.speaking
        self.out.stop()
        if self._routine is not None:
            self.host.stop()
            self._routine = None
            self._expecting = None
            self.paused = False
            self.state = State.IDLE
            self.say(self.msg.pick("routine_stopped"))
        elif not was_speaking:
            self.say(self.msg.pick("no_routine"))

    def _on_pause(self, intent: Intent) -> None:
        was_speaking = self.out.speaking
        self.out.stop()
        if self._routine_control(intent):
            self.paused = True
            self.say(self.msg.pick("paused"))
        elif not was_speaking:
            self.say(self.msg.pick("no_routine"))

    def _on_resume(self, intent: Intent) -> None:
        if self._routine_control(intent):
            self.paused = False
        else:
            self.say(self.msg.pick("no_routine"))

    def _on_repeat(self, intent: Intent) -> None:
        if not self._routine_control(intent) and self._last_line:
            self.say(self._last_line)

    def _on_skip(self, intent: Intent) -> None:
        if self.state is State.ANSWER:
            self._expecting = None
            self.state = State.ROUTINE
        if not self._routine_control(intent):
            self.say(self.msg.pick("no_routine"))

    _on_back = _on_skip

    def _on_shorter(self, intent: Intent) -> None:
        if not self._routine_control(intent):
            self.say(self.msg.pick("no_routine"))

    _on_longer = _on_shorter
    _on_pattern = _on_shorter

    def _on_duration(self, intent: Intent) -> None:
        if self.state is State.ANSWER and answer_kind(self._expecting or "") == "duration":
            self._answer(intent)
        else:
            self._on_shorter(intent)  # a new length for the running routine

    def _on_slower(self, intent: Intent) -> None:
        if not self._routine_control(intent):
            self._set_rate(self.rate / 1.15, "rate_slower")

    def _on_faster(self, intent: Intent) -> None:
        if not self._routine_control(intent):
            self._set_rate(self.rate * 1.15, "rate_faster")

    def _on_louder(self, intent: Intent) -> None:
        self._set_volume(self.volume + 0.15, "volume_louder")

    def _on_softer(self, intent: Intent) -> None:
        self._set_volume(self.volume - 0.15, "volume_softer")

    def _set_rate(self, rate: float, key: str) -> None:
        rate = round(min(2.0, max(0.5, rate)), 3)
        if rate == self.rate:
            self.say(self.msg.pick("rate_limit"))
            return
        self.rate = rate
        self.out.set_rate(rate)
        self._save_prefs()
        self.say(self.msg.pick(key))

    def _set_volume(self, volume: float, key: str) -> None:
        volume = round(min(self.config.volume_max, max(0.1, volume)), 3)
        if volume == self.volume:
            self.say(self.msg.pick("rate_limit"))
            return
        self.volume = volume
        self.out.set_volume(volume)
        self._save_prefs()
        self.say(self.msg.pick(key))

    def _on_voice(self, intent: Intent) -> None:
        voices = list(self.out.voices())
        if len(voices) < 2:
            self.say(self.msg.pick("voice_none"))
            return
        current = voices.index(self.voice) if self.voice in voices else -1
        self.voice = voices[(current + 1) % len(voices)]
        self.out.set_voice(self.voice)
        self._save_prefs()
        self.say(self.msg.pick("voice_changed"))

    def _save_prefs(self) -> None:
        if self.save_prefs is not None:
            self.save_prefs(self.rate, self.volume, self.voice)

    def _on_sleep(self, intent: Intent) -> None:
        self._sleep("sleep")

    def _on_wake(self, intent: Intent) -> None:
        return  # already awake

    def _on_progress(self, intent: Intent) -> None:
        if self.journal is None:
            self.say(self.msg.pick("journal_unavailable"))
            return
        summary = self.journal.summary()
        spoken = getattr(summary, "spoken", None)
        text = (spoken() if callable(spoken) else str(summary)).strip()
        self.say(text or self.msg.pick("progress_none"))

    def _on_goodbye(self, intent: Intent) -> None:
        self.out.stop()
        if self._routine is not None:
            self.host.stop()
            self._routine = None
        self.say(self.msg.pick("farewell"))
        self.finished = True

    def _on_learn_voice(self, intent: Intent) -> None:
        learner = self.voice_learner
        if learner is None or not learner.listens:
            self.say(self.msg.pick("learn_voice_no_microphone"))
            return
        missing = list(learner.missing_tools())
        if missing:
            packages = spoken_list(missing, "and").replace("'", "")
            self.say(self.msg.pick("learn_voice_no_tools", packages=packages))
            return
        line = self.msg.pick("learn_voice_confirm")
        if learner.has_voice():
            line = f"{self.msg.pick('learn_voice_again')} {line}"
        if not learner.serves_session:
            line = f"{self.msg.pick('learn_voice_engine')} {line}"
        self._confirming = intent
        self.say(line)

    def _on_forget_voice(self, intent: Intent) -> None:
        if self.voice_learner is None or not self.voice_learner.has_voice():
            self.say(self.msg.pick("forget_voice_none"))
            return
        self._confirming = intent
        self.say(self.msg.pick("forget_voice_confirm"))

    def _voice_learned(self, event: VoiceLearned) -> None:
        self._activity()  # the enrolment took minutes: they count as time spent with the app
        if event.crisis:
            self._crisis()
            return
        values = {"taken": event.taken, "total": event.total, "needed": event.needed}
        if event.saved:
            key = "learn_voice_in_use" if event.in_use else "learn_voice_saved"
        elif event.stopped:
            key = "learn_voice_stopped"
        elif event.problem:
            key, values = "learn_voice_failed", {"problem": event.problem}
        else:
            key = "learn_voice_too_few"
        self.say(self.msg.pick(key, **values))

    def _on_change_plan(self, intent: Intent) -> None:
        if not self.host.available("practice-plan"):
            self.say(self.msg.pick("routine_missing", title=self.msg.title("practice-plan")))
            return
        question = intent.slots.get("question")
        keys = PLAN_QUESTIONS.get(int(question)) if question is not None else None
        self.out.stop()
        self._routine = "practice-plan"
        self._expecting = None
        self.state = State.ROUTINE
        self._run = self.host.start(
            "practice-plan", None, only_keys=frozenset(keys) if keys else None
        )
