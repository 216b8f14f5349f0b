"""One voice for the dialogue and the routine runner, and a record of when it spoke.

The dialogue runs on the audio loop, which must keep reading the microphone while a line is
spoken (or "stop" could never interrupt it), so its lines go through a queue to a worker
thread. The routine runner speaks from its own thread and expects `say` to block until the line
is done. Both go through one lock so two lines never overlap. Every line's start and end on the
clock is kept, so the loop can tell whether an utterance was heard while the app was talking
(half duplex) and benchmarks can measure when an answer began.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from dataclasses import dataclass

from voice_cecert.speech import Speaker
from voice_cecert.stream_clock import StreamClock


@dataclass(frozen=True)
class Spoken:
    start: float
    end: float
    text: str  # "(inhale)"-style for cues


class _ClockLock:
    """A lock whose waiters wait on the shared clock, so they count as quiet while blocked."""

    def __init__(self, clock: StreamClock) -> None:
        self._clock = clock
        self._meta = threading.Lock()
        self._held = False
        self._released = threading.Event()

    def __enter__(self) -> None:
        while True:
            with self._meta:
                if not self._held:
                    self._held = True
                    return
                self._released.clear()
            self._clock.wait_for(self._released)

    def __exit__(self, *exc: object) -> None:
        with self._meta:
            self._held = False
            self._released.set()


class SpeechQueue:
    def __init__(self, speaker: Speaker, clock: StreamClock) -> None:
        self.speaker = speaker
        self.clock = clock
        self.log: list[Spoken] = []
        self._lock = _ClockLock(clock)
        self._pending: deque[str] = deque()
        self._wakeup = threading.Event()
        self._busy = False
        self._current_start: float | None = None
        self._closed = False
        self._worker = threading.Thread(target=self._run, name="speech", daemon=True)
        self._worker.start()
        clock.adopt(self._worker)

    # -- the dialogue's Output --------------------------------------------------------------
    @property
    def speaking(self) -> bool:
        return bool(self._pending) or self._busy or bool(getattr(self.speaker, "speaking", False))

    def say(self, text: str) -> None:
        """Queue a line and return at once."""
        self._pending.append(text)
        self._wakeup.set()

    def stop(self) -> None:
        """Drop queued lines and cut the current one short (barge-in, 'stop', crisis)."""
        self._pending.clear()
        self.speaker.stop()

    def set_rate(self, factor: float) -> None:
        self.speaker.set_rate(factor)

    def set_volume(self, factor: float) -> None:
        self.speaker.set_volume(factor)

    def set_voice(self, voice: str) -> None:
        self.speaker.set_voice(voice)

    def voices(self) -> tuple[str, ...]:
        return self.speaker.voices()

    # -- the runner's Speaker (blocking) ------------------------------------------------------
    def say_now(self, text: str) -> None:
        with self._lock:
            self._speak(text, is_cue=False)

    def cue(self, kind: str, seconds: float) -> None:
        with self._lock:
            self._speak((kind, seconds), is_cue=True)

    # -- shared -------------------------------------------------------------------------------
    def spoke_during(self, start: float, margin: float = 0.3) -> bool:
        """Whether an utterance that began at `start` (clock time) began while the app was
        talking (or within `margin` after, the room's echo): then it is most likely the app's
        own voice. One that began in a gap is the user's, even if a cue started over it."""
        for line in reversed(self.log):
            if line.end + margin < start:
                break
            if line.start <= start <= line.end + margin:
                return True
        current = self._current_start
        return current is not None and current <= start

    def idle(self) -> bool:
        return not self.speaking

    def close(self) -> None:
        self._closed = True
        self.stop()
        self._wakeup.set()
        self._worker.join(timeout=5)

    def _run(self) -> None:
        while True:
            self.clock.wait_for(self._wakeup)
            self._wakeup.clear()
            while self._pending:
                with self._lock:
                    if not self._pending:
                        break
                    self._busy = True
                    text = self._pending.popleft()
                    try:
                        self._speak(text, is_cue=False)
                    except Exception as exc:  # one lost line must not silence the app
                        print(f"voice-cecert: could not speak a line: {exc}", file=sys.stderr)
                    finally:
                        self._busy = False
            if self._closed:
                return

    def _speak(self, what: str | tuple[str, float], is_cue: bool) -> None:
        start = self.clock.now()
        text = f"({what[0]})" if is_cue else str(what)
        index = len(self.log)
        self.log.append(Spoken(start, start, text))  # visible at once; end filled in below
        self._current_start = start
        try:
            if is_cue:
                kind, seconds = what  # type: ignore[misc]
                self.speaker.cue(kind, seconds)
            else:
                self.speaker.say(text)
        finally:
            self._current_start = None
            self.log[index] = Spoken(start, self.clock.now(), text)


class RunnerVoice:
    """The Speaker the routine runner is given: blocking lines through the shared queue."""

    def __init__(self, queue: SpeechQueue) -> None:
        self._q = queue

    @property
    def speaking(self) -> bool:
        return self._q.speaking

    def say(self, text: str) -> None:
        self._q.say_now(text)

    def cue(self, kind: str, seconds: float) -> None:
        self._q.cue(kind, seconds)

    def stop(self) -> None:
        self._q.stop()

    def set_rate(self, factor: float) -> None:
        self._q.set_rate(factor)

    def set_volume(self, factor: float) -> None:
        self._q.set_volume(factor)
