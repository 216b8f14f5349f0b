"""The assistant loop: audio (or typed lines) in, the dialogue in the middle, speech out.

One thread runs everything that decides (recogniser, matcher, dialogue), so the conversation
has a single order of events. The routine runner and the speech worker run on their own threads
and talk back through the inbox queue. With a WAV file as the source the shared clock is audio
time and advances block by block, which makes a recorded session replay identically; with a
microphone it is the monotonic clock.
"""

from __future__ import annotations

import dataclasses
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from voice_cecert.asr.base import Recognizer, Transcript
from voice_cecert.audio import BLOCK_SECONDS
from voice_cecert.dialogue import Dialogue, DialogueConfig, HostEvent, State
from voice_cecert.intents.grammar import build_grammar
from voice_cecert.intents.loader import IntentSet
from voice_cecert.intents.matcher import Matcher
from voice_cecert.intents.types import Intent
from voice_cecert.pipeline import trusted
from voice_cecert.routine_host import RoutineHost
from voice_cecert.speech import Speaker
from voice_cecert.speech_queue import RunnerVoice, SpeechQueue
from voice_cecert.stream_clock import StreamClock

# Seconds of silence that end an utterance: short for commands (a quick answer), shorter still
# once what was heard so far is already a whole command, longer for dictation (people pause to
# think mid-sentence). The user's trailing_silence setting caps the first two, floors the last.
COMMAND_TRAILING_S = 0.35
COMPLETE_TRAILING_S = 0.15
DICTATION_TRAILING_S = 1.2
# With push-to-talk, listening closes again when no speech starts this soon after Enter.
PUSH_TO_TALK_WINDOW_S = 8.0


class IntentsAdapter:
    """The dialogue's view of the intents stage: matching, grammars, and a ranking for misses."""

    def __init__(self, intents: IntentSet, threshold: float | None = None) -> None:
        self.intents = intents
        self._matcher = Matcher(intents) if threshold is None else Matcher(intents, threshold)
        self._ranker = Matcher(intents, threshold=0.0)

    def names(self) -> tuple[str, ...]:
        return self.intents.names

    def filler(self) -> tuple[str, ...]:
        """Everyday words of the intents file that mean no command."""
        return tuple(self.intents.filler)

    def match(
        self,
        text: str,
        allowed: Iterable[str] | None = None,
        strict: bool = False,
        verified: bool = True,
        safety_net: bool = True,
    ) -> Intent | None:
        """`strict`: whole template matches only (for grammar-constrained transcripts);
        `verified=False`: only the safety-net intents count, while `safety_net` holds (see
        Matcher.match)."""
        return self._matcher.match(
            text, allowed, fuzzy=not strict, verified=verified, safety_net=safety_net
        )

    def phrases(self, allowed: Iterable[str] | None = None) -> Sequence[str]:
        """The recogniser grammar for these intents (a Grammar, which is a tuple of phrases)."""
        return build_grammar(allowed, self.intents)

    def rank(
        self, text: str, allowed: Iterable[str] | None = None, limit: int = 3
    ) -> list[tuple[str, float]]:
        best = self._ranker.match(text, allowed)
        if best is None:
            return []
        return [(best.name, best.score), *best.alternatives][:limit]


class PushToTalk:
    """Enter opens the microphone for one utterance; nothing is heard while it is closed."""

    def __init__(self, window_s: float = PUSH_TO_TALK_WINDOW_S) -> None:
        self.window_s = window_s
        self._pressed = threading.Event()
        self._open_until: float | None = None

    def press(self) -> None:
        """From any thread (the keyboard reader, or a test's clock.call_at)."""
        self._pressed.set()

    def is_open(self, now: float, in_utterance: bool) -> bool:
        if self._pressed.is_set():
            self._pressed.clear()
            self._open_until = now + self.window_s
        if self._open_until is None:
            return False
        if now >= self._open_until and not in_utterance:
            self._open_until = None
            return False
        return True

    def heard(self) -> None:
        """One utterance came through: close until the next press."""
        self._open_until = None

    @property
    def was_pressed(self) -> bool:
        return self._pressed.is_set()


class Endpointing:
    """Adapts how much trailing silence ends an utterance (see COMMAND_TRAILING_S).

    While a command is being spoken, the recogniser's best guess so far is checked against the
    grammar: once it is a whole phrase ("stop", "start a breathing break") a short pause is
    enough to act on it, which is most of the answer latency a user notices.
    """

    def __init__(self, recognizer: Recognizer, base: float) -> None:
        self.recognizer = recognizer
        self.base = base
        self._setter = getattr(recognizer, "set_trailing_silence", None)
        self._phrases: frozenset[str] = frozenset()
        self._normal = min(base, COMMAND_TRAILING_S)
        self._current: float | None = None

    def grammar_changed(self, grammar: Iterable[str] | None) -> None:
        if grammar is None:
            self._phrases = frozenset()
            self._normal = max(self.base, DICTATION_TRAILING_S)
        else:
            self._phrases = frozenset(grammar)
            self._normal = min(self.base, COMMAND_TRAILING_S)
        self._set(self._normal)

    def after_block(self, ended: bool) -> None:
        if self._setter is None or not self._phrases:
            return
        if ended or not getattr(self.recognizer, "in_utterance", False):
            self._set(self._normal)
            return
        guess = _plain(self.recognizer.partial())
        complete = bool(guess) and guess in self._phrases
        self._set(min(self._normal, COMPLETE_TRAILING_S) if complete else self._normal)

    def _set(self, seconds: float) -> None:
        if self._setter is not None and seconds != self._current:
            self._setter(seconds)
            self._current = seconds


class Timeline:
    """The source's blocks, each moving stream time on (and, for a file, the shared clock),
    whoever reads them: the loop, or an enrolment between two utterances."""

    def __init__(self, blocks: Iterable[bytes], clock: StreamClock) -> None:
        self._blocks = iter(blocks)
        self.clock = clock
        self.t = 0.0

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        block = next(self._blocks)
        self._move()
        return block

    def wait_a_block(self) -> None:
        """A block's time passes with no audio (the source has ended)."""
        if self.clock.stream:
            self._move()
        else:
            time.sleep(BLOCK_SECONDS)

    def _move(self) -> None:
        self.t += BLOCK_SECONDS
        if self.clock.stream:
            self.clock.advance_to(self.t)


class ListeningVoice:
    """The enrolment's speaker inside the loop. A line returns once it is spoken, as the
    enrolment needs, while the microphone is still read (and what it hears dropped: the app's
    own voice), so stream time moves on while the app talks, as it does in the loop."""

    def __init__(self, speech: SpeechQueue, timeline: Timeline) -> None:
        self.speech = speech
        self.timeline = timeline

    def say(self, text: str) -> None:
        self._until_done(lambda: self.speech.say_now(text))

    def cue(self, kind: str, seconds: float) -> None:
        self._until_done(lambda: self.speech.cue(kind, seconds))

    def until_quiet(self) -> None:
        """Let the dialogue's queued lines finish (the question just answered) first."""
        while self.speech.speaking and next(self.timeline, None) is not None:
            pass

    def _until_done(self, speak: Callable[[], None]) -> None:
        thread = threading.Thread(target=speak, name="enrolment-voice", daemon=True)
        thread.start()
        self.timeline.clock.adopt(thread)
        while thread.is_alive():
            if next(self.timeline, None) is None:
                self.timeline.wait_a_block()  # the source ended; the line still takes its time


def _plain(text: str) -> str:
    """A recogniser guess as grammar words ('stop(2)' -> 'stop')."""
    return " ".join(w.split("(")[0] for w in text.lower().split())


@dataclass
class Session:
    """Everything one assistant run is made of (tests build one from real parts)."""

    dialogue: Dialogue
    speech: SpeechQueue
    clock: StreamClock
    inbox: queue.Queue[Any]
    stop_routine: Callable[[], None]
    trailing_silence: float = 0.6
    heard: list[tuple[float, str]] = field(default_factory=list)  # (end, text) when awake
    voice: Any = None  # live_voice.LiveVoice: learns the user's voice, may swap the recogniser

    def post(self, event: HostEvent) -> None:
        self.inbox.put(("event", event))

    def drain(self) -> None:
        while True:
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                return
            self._dispatch(item)

    def _dispatch(self, item: tuple[Any, ...]) -> None:
        if item[0] == "event":
            self.dialogue.on_event(item[1])

    def close(self) -> None:
        self.clock.settle(3.0)
        self.stop_routine()
        self.speech.close()

    # -- audio ----------------------------------------------------------------------------------
    def run_audio(
        self,
        blocks: Iterable[bytes],
        recognizer: Recognizer,
        push_to_talk: PushToTalk | None = None,
        trace: TextIO | None = None,
    ) -> None:
        """Feed blocks until the source ends or the user says goodbye."""
        applied: object = object()
        timeline = Timeline(blocks, self.clock)
        stream_t = 0.0
        fed = 0.0  # seconds the recogniser has heard: its own time (the enrolment's are not)
        listening = push_to_talk is None
        endpointing = Endpointing(recognizer, self.trailing_silence)
        warm = [g for g in self.dialogue.likely_grammars() if g is not None]
        self.dialogue.greet()
        for block in timeline:
            stream_t = timeline.t
            self.drain()
            self.dialogue.tick()
            if self.dialogue.finished:
                break
            grammar = self.dialogue.grammar()
            if grammar is not applied:
                recognizer.set_grammar(grammar)
                applied = grammar
                endpointing.grammar_changed(grammar)
            elif warm and self.speech.speaking and not getattr(recognizer, "in_utterance", True):
                # Compile one grammar of a later state while the app talks (the greeting), so
                # that changing state later costs no compile time while an answer is due.
                recognizer.set_grammar(warm.pop())
                recognizer.set_grammar(applied)  # type: ignore[arg-type]
            if push_to_talk is not None:
                if push_to_talk.was_pressed and self.dialogue.state is State.SLEEPING:
                    self.dialogue.wake()
                in_utt = bool(getattr(recognizer, "in_utterance", False))
                now_open = push_to_talk.is_open(stream_t, in_utt)
                if listening and not now_open:
                    recognizer.reset()
                listening = now_open
                if not listening:
                    # Silence in place of what the microphone heard: nothing is decoded, and
                    # the recogniser's stream time stays the same as the clock's.
                    block = bytes(len(block))
            transcript = recognizer.feed(block)
            fed += BLOCK_SECONDS
            endpointing.after_block(transcript is not None)
            if transcript is not None:
                if push_to_talk is not None:
                    push_to_talk.heard()
                self._on_transcript(transcript, stream_t, stream_t - fed, trace)
                if self.voice is not None and self.voice.pending:
                    self._learned_voice(timeline, blocks)
                    if self.voice.recognizer is not recognizer:
                        recognizer = self.voice.recognizer
                        fed = 0.0
                        applied = object()
                        endpointing = Endpointing(recognizer, self.trailing_silence)
                        warm = [g for g in self.dialogue.likely_grammars() if g is not None]
                    recognizer.reset()  # it heard none of the enrolment
        else:
            transcript = recognizer.flush()
            if transcript is not None:
                self._on_transcript(transcript, stream_t, stream_t - fed, trace)
            self.drain()

    def _learned_voice(self, timeline: Timeline, source: Any) -> None:
        """Run what "learn my voice" or "forget my voice" asked for, on this microphone."""
        discard = getattr(source, "discard_pending", None)
        voice = ListeningVoice(self.speech, timeline)
        outcome = self.voice.run(
            timeline, voice, discard, working=self.dialogue.msg.pick("learn_voice_working")
        )
        if discard is not None:
            discard()  # what the microphone heard while the voice was being learned
        if outcome is not None:
            self.dialogue.on_event(outcome)

    def _on_transcript(
        self, t: Transcript, stream_t: float, shift: float, trace: TextIO | None
    ) -> None:
        """`shift`: stream time where the recogniser's own time began (it hears no enrolment,
        and one with a newly learned voice starts at 0)."""
        asleep = self.dialogue.state is State.SLEEPING
        # Stream time and clock time differ by a constant with a live microphone.
        offset = self.clock.now() - stream_t + shift
        during = self.speech.spoke_during(t.start + offset)
        if not asleep:  # in sleep nothing heard is kept, not even in memory
            self.heard.append((t.end + shift, t.text))
            if trace is not None:
                print(f"heard: {t.text}", file=trace, flush=True)
                if t.second is not None:
                    print(f"heard (second reading): {t.second.text}", file=trace, flush=True)
        self.dialogue.on_utterance(
            t.text,
            confidence=t.confidence,
            during_speech=during,
            strict=t.grammar,
            verified=trusted(t),
            safety_net=t.plausible,
            second=t.second.text if t.second is not None else "",
            second_confidence=t.second.confidence if t.second is not None else 1.0,
        )
        if self.clock.stream:
            self.clock.settle()

    # -- typed ----------------------------------------------------------------------------------
    def run_text(self, lines: TextIO) -> None:
        """Typed commands in, printed lines out; ends on 'goodbye' or end of input."""
        # A script (piped input): each line answers what the line before it caused, so the
        # reader hands over the next line only once that has come out and been dispatched.
        turn = None if _isatty(lines) else threading.Event()
        reader = threading.Thread(target=self._read, args=(lines, turn), name="stdin", daemon=True)
        reader.start()
        self.dialogue.greet()
        while not self.dialogue.finished:
            try:
                item = self.inbox.get(timeout=0.2)
            except queue.Empty:
                self.dialogue.tick()
                continue
            if item[0] == "eof":
                break
            if item[0] == "line":
                self.dialogue.on_utterance(item[1])
                if turn is not None:
                    self.clock.settle(2.0)
                    self.drain()
                    turn.set()
            else:
                self._dispatch(item)

    def _read(self, lines: TextIO, turn: threading.Event | None) -> None:
        try:
            for line in lines:
                self.inbox.put(("line", line.strip()))
                if turn is not None:
                    turn.wait()
                    turn.clear()
        except (OSError, ValueError):
            pass
        self.inbox.put(("eof",))


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def stdin_presses(push_to_talk: PushToTalk, stream: TextIO | None = None) -> threading.Thread:
    """Each Enter on stdin is a press (the keyboard half of push-to-talk)."""
    source = stream if stream is not None else sys.stdin

    def read() -> None:
        for _ in source:
            push_to_talk.press()

    thread = threading.Thread(target=read, name="push-to-talk", daemon=True)
    thread.start()
    return thread


def dialogue_config(settings: Any, push_to_talk: bool = False) -> DialogueConfig:
    """The dialogue's settings from the user's config (voice-cecert config)."""
    minutes = int(getattr(settings, "sleep_timeout_minutes", 10) or 0)
    always_on = bool(getattr(settings, "always_on", False))
    volume = float(getattr(settings, "volume", 0.9) or 0.9)
    line = str(settings.crisis_line)
    label = str(getattr(settings, "crisis_label", ""))
    return DialogueConfig(
        wake_phrase=str(settings.wake_phrase),
        crisis_line=label if line in label else line,
        sleep_timeout_s=None if always_on or minutes <= 0 else minutes * 60.0,
        push_to_talk=push_to_talk,
        volume_max=max(1.0, 1.0 / volume),
        voice=str(getattr(settings, "voice", "") or ""),
    )


def build_session(
    *,
    speaker: Speaker,
    clock: StreamClock,
    settings: Any,
    intents: IntentSet,
    journal: Any = None,
    push_to_talk: bool = False,
    save_settings: Callable[[Any], None] | None = None,
    voice: Any = None,
) -> Session:
    """Wire the real parts together around one speaker and one clock."""
    inbox: queue.Queue[Any] = queue.Queue()
    speech = SpeechQueue(speaker, clock)

    def post(event: HostEvent) -> None:
        inbox.put(("event", event))

    host = RoutineHost(speaker=RunnerVoice(speech), clock=clock, post=post, journal=journal)
    base = settings

    def save_prefs(rate: float, volume: float, voice: str) -> None:
        if save_settings is None:
            return
        save_settings(
            dataclasses.replace(
                base,
                rate=round(base.rate * rate),
                volume=round(min(1.0, base.volume * volume), 3),
                voice=voice,
            )
        )

    dialogue = Dialogue(
        matcher=IntentsAdapter(intents),
        host=host,
        out=speech,
        now=clock.now,
        config=dialogue_config(settings, push_to_talk),
        journal=journal,
        save_prefs=save_prefs,
        voice_learner=voice,
    )
    return Session(
        dialogue, speech, clock, inbox, host.stop, float(settings.trailing_silence), voice=voice
    )
