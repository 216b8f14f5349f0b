"""One endpointer for every engine: where utterances start and end in the block stream.

Built on pocketsphinx's per-frame `Vad` (WebRTC-style) decisions rather than its
`Endpointer`, whose single window/ratio knob cannot express "end after 0.6 s of silence".
On top of the frame decisions this adds:

- a noise gate: the Vad alone calls steady fan hiss or pink noise at 10 dB SNR "speech" for
  every frame, in all four of its modes, so an utterance never ends. A frame counts as speech
  only if the Vad says so *and* its energy is `noise_margin_db` above a running estimate of the
  background (`NoiseTracker`). On synthetic command sessions mixed with white, pink, brown
  and babble noise at 30 to 5 dB SNR, the Vad alone cut 26 of 96 mixes correctly and the
  gated Vad 82 (scripts/bench_endpointer.py; nearly all misses are at 5 dB). The background
  estimate is never below the quietest frame of the last `noise_window` seconds, so a noise
  that starts after silence closes the gate within about that time (it used to take up to
  16 s for a noise 30 dB above the old floor, now about 3 s); `new_stream()` forgets it;
- onset confirmation: speech starts only when `onset_frames` of the last `onset_window`
  frames are speech, so a click or a cough-length blip does not open an utterance;
- pre-roll: the frames before the first speech frame are handed over too, so soft word onsets
  ("f" in "faster") are not clipped;
- hangover: the utterance ends after `trailing_silence` seconds without speech, a value the
  dialogue can set (shorter for yes/no, longer for narratives);
- a minimum amount of speech (`min_speech`) for an utterance to count, because the VAD
  keeps a click "speech" for several frames;
- a decode tail: only the first `decode_tail` seconds of a pause go to the recogniser; the
  rest is held back, handed over if speech resumes and dropped at the endpoint. Decoders
  otherwise turn long stretches of near-silence into short words ("for", "the") and spend
  time on audio that cannot change the answer;
- a hard cap (`max_utterance`) so endless noise cannot grow one utterance without bound.

Times are stream seconds: frame count times frame length, independent of the wall clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from pocketsphinx import Vad

from voice_cecert.audio import BLOCK_BYTES, BLOCK_SECONDS, SAMPLE_RATE

# Gate margin once an utterance is open; None: the same as to open one. A lower margin
# (hysteresis) keeps quiet word ends, but measured worse (scripts/bench_endpointer.py: 2 dB cut
# 57 of 96 noisy mixes right, 3.5 dB 67, 4 dB 72, against 82 with none): pink and babble noise
# rise that far above their average often enough to hold utterances open for seconds. Word ends
# are decoded anyway: the decoder gets `decode_tail` (0.3 s) past the last speech frame, more
# than the 100-140 ms by which the gate closes early at 5 dB SNR.
CONTINUE_MARGIN_DB: float | None = None
# The background is never below the quietest frame of this many seconds (NoiseTracker). 2 s
# closed the gate sooner after a noise started, but cost 4 of 120 commands in brown noise at
# 5 dB SNR (scripts/bench_frontend.py), against 2 with 3 s.
NOISE_WINDOW = 3.0

LOOSE = Vad.LOOSE
MEDIUM_LOOSE = Vad.MEDIUM_LOOSE
MEDIUM_STRICT = Vad.MEDIUM_STRICT
STRICT = Vad.STRICT


class NoiseTracker:
    """Background level in dB, following the quiet frames.

    Outside speech it is a fast average of frame energy (time constant ~0.3 s), so it settles
    on the real noise floor, steady or fluctuating. While the gate is open it only creeps up
    (1.7 dB/s), so speech does not drag it up; but it is never below the quietest frame of the
    last `window` seconds (less `MIN_SLACK_DB`). Speech has pauses and soft sounds between
    words within well under that window, noise does not: a fan that starts after silence used
    to hold the gate open for as long as the creep took (3.5 s per 6 dB above the old floor,
    tens of seconds for a loud noise); now the gate closes about `window` seconds after it
    started, however loud it is.

    `continue_db` is an optional lower margin while an utterance is open (hysteresis; off by
    default, see `CONTINUE_MARGIN_DB`).
    """

    ALPHA = 0.1
    RISE_DB = 0.05
    MIN_SLACK_DB = 1.0

    def __init__(
        self, margin_db: float, continue_db: float | None = None, window: float = NOISE_WINDOW
    ) -> None:
        self.margin_db = margin_db
        self.continue_db = margin_db if continue_db is None else min(continue_db, margin_db)
        self.level_db: float | None = None
        self._recent: deque[float] = deque(maxlen=max(1, round(window / BLOCK_SECONDS)))

    def reset(self) -> None:
        """Forget the background: the next frame starts a new estimate (a new stream)."""
        self.level_db = None
        self._recent.clear()

    def is_loud(self, frame: bytes, in_speech: bool = False) -> bool:
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float64)
        energy = 10.0 * np.log10(float(np.mean(samples * samples)) + 1.0)
        if self.level_db is None:
            self.level_db = energy
            self._recent.clear()
        self._recent.append(energy)
        margin = self.continue_db if in_speech else self.margin_db
        loud = energy > self.level_db + margin
        if loud:
            self.level_db += self.RISE_DB
            if len(self._recent) == self._recent.maxlen:
                self.level_db = max(self.level_db, min(self._recent) - self.MIN_SLACK_DB)
        else:
            self.level_db += (energy - self.level_db) * self.ALPHA
        return loud


@dataclass(frozen=True)
class VadStep:
    """What one frame did.

    `audio` is what the recogniser should decode now: on the frame that opens an utterance it
    is the pre-roll plus the onset frames; inside an utterance it is this frame; else b"".
    `started` is the utterance start time when one opened on this frame; `ended` is
    (start, end) of the speech when the utterance closed on this frame (after `audio`).
    `dropped` is True when the utterance closed but held less than `min_speech` of speech
    (a click, a knock): the recogniser should discard it, not decode it.
    """

    speech: bool
    audio: bytes = b""
    started: float | None = None
    ended: tuple[float, float] | None = None
    dropped: bool = False


class Endpointer:
    def __init__(
        self,
        trailing_silence: float = 0.6,
        preroll: float = 0.3,
        onset_frames: int = 3,
        onset_window: int = 5,
        max_utterance: float = 30.0,
        min_speech: float = 0.15,
        decode_tail: float = 0.3,
        noise_margin_db: float | None = 5.0,
        continue_margin_db: float | None = CONTINUE_MARGIN_DB,
        noise_window: float = NOISE_WINDOW,
        mode: int = LOOSE,
    ) -> None:
        if trailing_silence <= 0:
            raise ValueError("trailing_silence must be positive")
        if not 1 <= onset_frames <= onset_window:
            raise ValueError("need 1 <= onset_frames <= onset_window")
        self._mode = mode
        self._noise = (
            None
            if noise_margin_db is None
            else NoiseTracker(noise_margin_db, continue_margin_db, noise_window)
        )
        self._vad = Vad(mode, SAMPLE_RATE, BLOCK_SECONDS)
        if self._vad.frame_bytes != BLOCK_BYTES:  # pragma: no cover - guards a pocketsphinx change
            raise RuntimeError(f"pocketsphinx Vad wants {self._vad.frame_bytes}-byte frames")
        self.frame_seconds = BLOCK_SECONDS
        self.trailing_silence = trailing_silence
        self._hangover = max(1, round(trailing_silence / BLOCK_SECONDS))
        self._preroll = max(0, round(preroll / BLOCK_SECONDS))
        self._onset_frames = onset_frames
        self._onset_window = onset_window
        self._min_speech_frames = round(min_speech / BLOCK_SECONDS)
        self._tail_frames = max(1, round(decode_tail / BLOCK_SECONDS))
        self._max_frames = max(onset_window + self._hangover, round(max_utterance / BLOCK_SECONDS))
        self._frames = 0
        self.reset()

    @property
    def now(self) -> float:
        """Stream time at the end of the last frame pushed."""
        return self._frames * self.frame_seconds

    @property
    def in_speech(self) -> bool:
        return self._start_frame is not None

    def set_trailing_silence(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("trailing_silence must be positive")
        self.trailing_silence = seconds
        self._hangover = max(1, round(seconds / BLOCK_SECONDS))

    def reset(self) -> None:
        """Forget any utterance in progress; stream time keeps running.

        The Vad is renewed too: it has its own hangover and would otherwise call the next
        frames speech because of audio that was just thrown away.
        """
        self._vad = Vad(self._mode, SAMPLE_RATE, BLOCK_SECONDS)
        self._clear()

    def new_stream(self) -> None:
        """Start a new, unrelated stream (another file, another microphone).

        Like `reset`, and the noise gate also forgets the background it tracked, which belongs
        to the old stream: the new one's first frames set it afresh.
        """
        self.reset()
        if self._noise is not None:
            self._noise.reset()

    def _clear(self) -> None:
        # (frame index, audio, is_speech) for frames not yet handed over
        self._recent: deque[tuple[int, bytes, bool]] = deque(
            maxlen=self._preroll + self._onset_window
        )
        self._start_frame: int | None = None
        self._last_speech_frame = 0
        self._silence_run = 0
        self._speech_frames = 0
        self._held: list[bytes] = []

    def push(self, frame: bytes) -> VadStep:
        """Classify one BLOCK_BYTES frame and advance the utterance state."""
        if len(frame) != BLOCK_BYTES:
            raise ValueError(f"frames must be {BLOCK_BYTES} bytes, got {len(frame)}")
        index = self._frames
        self._frames += 1
        speech = bool(self._vad.is_speech(frame))
        if self._noise is not None:
            speech = self._noise.is_loud(frame, self._start_frame is not None) and speech
        if self._start_frame is None:
            return self._idle(index, frame, speech)
        return self._talking(index, frame, speech)

    def _idle(self, index: int, frame: bytes, speech: bool) -> VadStep:
        self._recent.append((index, frame, speech))
        window = list(self._recent)[-self._onset_window :]
        if not speech or sum(s for _, _, s in window) < self._onset_frames:
            return VadStep(speech)
        first = next(i for i, _, s in window if s)
        self._start_frame = first
        self._last_speech_frame = index
        self._silence_run = 0
        self._speech_frames = sum(s for i, _, s in window if i >= first)
        keep_from = first - self._preroll
        audio = b"".join(a for i, a, _ in self._recent if i >= keep_from)
        self._recent.clear()
        return VadStep(speech, audio=audio, started=first * self.frame_seconds)

    def _talking(self, index: int, frame: bytes, speech: bool) -> VadStep:
        assert self._start_frame is not None
        if speech:
            self._last_speech_frame = index
            self._silence_run = 0
            self._speech_frames += 1
            audio = b"".join(self._held) + frame
            self._held.clear()
        else:
            self._silence_run += 1
            if self._silence_run <= self._tail_frames:
                audio = frame
            else:
                self._held.append(frame)
                audio = b""
        too_long = index + 1 - self._start_frame >= self._max_frames
        if self._silence_run < self._hangover and not too_long:
            return VadStep(speech, audio=audio)
        span, enough = self._span(), self._speech_frames >= self._min_speech_frames
        self._clear()
        if not enough:
            return VadStep(speech, audio=audio, dropped=True)
        return VadStep(speech, audio=audio, ended=span)

    def _span(self) -> tuple[float, float]:
        assert self._start_frame is not None
        return (
            self._start_frame * self.frame_seconds,
            (self._last_speech_frame + 1) * self.frame_seconds,
        )

    def finish(self) -> tuple[float, float] | None:
        """End of stream: close the utterance in progress and return its span.

        None when there was none, or when it held too little speech to count.
        """
        if self._start_frame is None:
            self.reset()
            return None
        span, enough = self._span(), self._speech_frames >= self._min_speech_frames
        self.reset()
        return span if enough else None
