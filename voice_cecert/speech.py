"""Speakers: how the app's words reach the user.

Three speakers share one contract. `Pyttsx3Speaker` talks through the sound card and can be cut
off mid-word; `WavSpeaker` renders a whole session to a WAV file on a fake clock (tests, and
`voice-cecert render`); `TextSpeaker` prints, for screen readers, terminals without audio and
`--text`. `make_speaker` picks one and never crashes: without a speech engine or an output device
it says so once on stderr and prints instead.

Rate and volume: `set_rate(f)` / `set_volume(f)` scale the configured values (1.0 = as
configured; a new call replaces the old factor, it does not compound). Rate is clamped to
0.5..2.0 and loudness never exceeds full scale.

Cues (`cue_mode`): "tones" plays the tones of `voice_cecert.tones`; "spoken" says "breathe in",
"hold", "breathe out" instead (the chime stays a tone); "silent" makes no sound. A guide tone
fills its phase minus a 0.15 s gap, so consecutive phases stay distinct and playback latency never
pushes a breathing run late; the caller waits for each phase's deadline on its own clock.
"""

from __future__ import annotations

import re
import sys
import threading
from typing import TYPE_CHECKING, Protocol, TextIO, runtime_checkable

import numpy as np

from voice_cecert import tones, tts
from voice_cecert.audio_out import NoOutputDevice, Player, SoundDevicePlayer
from voice_cecert.clock import Clock, FakeClock
from voice_cecert.errors import UserError
from voice_cecert.wav_file import write_wav_atomic

if TYPE_CHECKING:
    from pathlib import Path

    from voice_cecert.config import Settings

CUE_MODES = ("spoken", "tones", "silent")
CUE_GAP_S = 0.15
MIN_CUE_S = 0.2
RATE_LIMITS = (0.5, 2.0)
SAMPLE_RATE = 22050


@runtime_checkable
class Speaker(Protocol):
    """Says things. `say` blocks until the line is finished or `stop()` is called from another
    thread (then it returns early). `speaking` is True exactly while audio is going out, so the
    recogniser can ignore the app's own voice (half duplex).

    `cue(kind, seconds)` plays a non-verbal cue lasting about `seconds` (kinds: "inhale",
    "exhale", "hold", "chime"): a rising tone for inhale, a falling one for exhale, so breathing
    can be followed with eyes closed.
    """

    speaking: bool

    def say(self, text: str) -> None: ...

    def cue(self, kind: str, seconds: float) -> None: ...

    def stop(self) -> None: ...

    def set_rate(self, factor: float) -> None: ...

    def set_volume(self, factor: float) -> None: ...

    def set_voice(self, voice: str) -> None:
        """Speak with this voice from the next line on (an id from `voices()`)."""

    def voices(self) -> tuple[str, ...]:
        """The voices a user can move between by saying "different voice" (empty: none)."""


def cue_seconds(seconds: float) -> float:
    """How long the tone for a phase of `seconds` lasts (see the module docstring)."""
    return max(MIN_CUE_S, seconds - CUE_GAP_S)


def _check_cue_mode(cue_mode: str) -> str:
    if cue_mode not in CUE_MODES:
        raise UserError(f"unknown cue mode '{cue_mode}' (use one of: {', '.join(CUE_MODES)})")
    return cue_mode


class _AudioSpeaker:
    """What the sound-card and WAV speakers share: synthesis, loudness, rate, cue rendering."""

    def __init__(self, rate: int, volume: float, voice: str, cue_mode: str) -> None:
        self._base_rate = int(rate)
        self._base_volume = float(volume)
        self._rate_factor = 1.0
        self._volume_factor = 1.0
        tts.ensure_engine()
        self._voice = tts.resolve_voice(voice)
        self._cue_mode = _check_cue_mode(cue_mode)
        self._stop = threading.Event()
        self._speaking = threading.Event()

    @property
    def speaking(self) -> bool:
        return self._speaking.is_set()

    def set_rate(self, factor: float) -> None:
        self._rate_factor = min(RATE_LIMITS[1], max(RATE_LIMITS[0], float(factor)))

    def set_volume(self, factor: float) -> None:
        self._volume_factor = max(0.0, float(factor))

    def stop(self) -> None:
        self._stop.set()

    def set_voice(self, voice: str) -> None:
        self._voice = tts.resolve_voice(voice)

    def voices(self) -> tuple[str, ...]:
        return tts.english_voices()

    @property
    def rate_wpm(self) -> int:
        return round(self._base_rate * self._rate_factor)

    def _gain(self) -> float:
        return min(1.0, self._base_volume * self._volume_factor)

    def _speech(self, text: str) -> tuple[np.ndarray, int]:
        synth = tts.synthesize(text, self.rate_wpm, self._voice)
        return synth.samples * self._gain(), synth.rate

    def _cue_audio(self, kind: str, seconds: float) -> tuple[np.ndarray, int] | None:
        tones.check_kind(kind)
        if self._cue_mode == "silent":
            return None
        if self._cue_mode == "spoken" and kind != "chime":
            return self._speech(tones.CUE_WORDS[kind])
        samples = tones.cue_samples(kind, cue_seconds(seconds), SAMPLE_RATE)
        return samples * self._gain(), SAMPLE_RATE


class Pyttsx3Speaker(_AudioSpeaker):
    """Speaks through the sound card: pyttsx3 synthesises, our Player plays (interruptibly).

    If synthesis or the device fails mid-session (a Bluetooth headset drops out in the car),
    the line is printed instead, with a one-line notice the first time, and the next line tries
    the sound card again: a practice is never cut short by a traceback.
    """

    def __init__(
        self,
        rate: int = 165,
        volume: float = 0.9,
        voice: str = "",
        player: Player | None = None,
        cue_mode: str = "tones",
        stream: TextIO | None = None,
        notice_stream: TextIO | None = None,
    ) -> None:
        super().__init__(rate, volume, voice, cue_mode)
        self._player = player if player is not None else SoundDevicePlayer()
        self._output = threading.Lock()  # one line at a time, even from two threads
        self._fallback = TextSpeaker(stream, cue_mode=cue_mode)
        self._notice_stream = notice_stream

    def say(self, text: str) -> None:
        self._stop.clear()
        try:
            samples, rate = self._speech(text)
        except tts.TtsUnavailable as exc:
            self._fail(f"speech engine failed ({exc})")
            self._fallback.say(text)
            return
        if not self._play(samples, rate):
            self._fallback.say(text)

    def cue(self, kind: str, seconds: float) -> None:
        self._stop.clear()
        try:
            audio = self._cue_audio(kind, seconds)
        except tts.TtsUnavailable as exc:
            self._fail(f"speech engine failed ({exc})")
            audio = None
        if audio is not None and not self._play(*audio):
            self._fallback.cue(kind, seconds)

    def _play(self, samples: np.ndarray, rate: int) -> bool:
        """False when the sound card failed (the caller prints the line instead)."""
        if self._stop.is_set() or len(samples) == 0:
            return True
        with self._output:
            self._speaking.set()
            try:
                self._player.play(samples, rate, self._stop)
            except Exception as exc:  # PortAudioError, device unplugged, driver trouble
                first = (str(exc).splitlines() or [type(exc).__name__])[0]
                self._fail(f"audio output failed ({first})")
                return False
            finally:
                self._speaking.clear()
        return True

    def _fail(self, problem: str) -> None:
        _notice_once(f"{problem}; showing text until it works again.", self._notice_stream)


class WavSpeaker(_AudioSpeaker):
    """Renders speech onto a timeline kept by a (fake) clock and writes one WAV on close().

    Each line starts at clock.now() and then moves the clock on by its length; whatever time the
    caller waits on the clock becomes silence. So a rendered routine has the exact timing the
    live one would have. stop() during a line (e.g. from a clock.call_at callback) cuts the
    line at that moment, as the live speaker would.
    """

    def __init__(
        self,
        path: str | Path,
        clock: Clock | None = None,
        rate: int = 165,
        volume: float = 0.9,
        voice: str = "",
        cue_mode: str = "tones",
        sample_rate: int = SAMPLE_RATE,
    ) -> None:
        super().__init__(rate, volume, voice, cue_mode)
        self.path = path
        self.clock = clock if clock is not None else FakeClock()
        self._rate = sample_rate
        self._t0 = self.clock.now()
        self._parts: list[tuple[int, np.ndarray]] = []
        self._closed = False

    def say(self, text: str) -> None:
        self._stop.clear()
        self._place(*self._speech(text))

    def cue(self, kind: str, seconds: float) -> None:
        self._stop.clear()
        audio = self._cue_audio(kind, seconds)
        if audio is not None:
            self._place(*audio)

    def _place(self, samples: np.ndarray, rate: int) -> None:
        if self._closed:
            raise UserError(f"{self.path}: the recording is already closed")
        if rate != self._rate:
            import soxr

            samples = soxr.resample(samples, rate, self._rate).astype(np.float32)
        start_time = self.clock.now()
        duration = len(samples) / self._rate
        self._speaking.set()
        try:
            finished = self.clock.wait_until(start_time + duration, self._stop)
        finally:
            self._speaking.clear()
        if not finished:
            samples = samples[: max(0, round((self.clock.now() - start_time) * self._rate))]
        start = round((start_time - self._t0) * self._rate)
        self._parts.append((start, samples))

    @property
    def seconds(self) -> float:
        """Length of the recording so far (speech and silence)."""
        return self._length() / self._rate

    def _length(self) -> int:
        ends = [start + len(s) for start, s in self._parts]
        return max([round((self.clock.now() - self._t0) * self._rate), *ends])

    def close(self) -> None:
        if self._closed:
            return
        out = np.zeros(self._length(), dtype=np.float32)
        for start, samples in self._parts:
            out[start : start + len(samples)] += samples
        write_wav_atomic(self.path, out, self._rate)
        self._closed = True

    def __enter__(self) -> WavSpeaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f]")


class TextSpeaker:
    """Prints each line, flushed at once. Plain text only (no colour, no box drawing), because a
    screen reader reads every character it is given."""

    speaking = False

    def __init__(self, stream: TextIO | None = None, cue_mode: str = "tones") -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._cue_mode = _check_cue_mode(cue_mode)

    def say(self, text: str) -> None:
        text = _CONTROL.sub("", text).strip()
        if text:
            self._write(text)

    def cue(self, kind: str, seconds: float) -> None:
        tones.check_kind(kind)
        if self._cue_mode != "silent":
            self._write(f"({tones.CUE_WORDS[kind]})")

    def _write(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()

    def stop(self) -> None:
        """Printing is instant; nothing to cut short."""

    def set_rate(self, factor: float) -> None:
        """Text has no rate."""

    def set_volume(self, factor: float) -> None:
        """Text has no volume."""

    def set_voice(self, voice: str) -> None:
        """Text has no voice."""

    def voices(self) -> tuple[str, ...]:
        return ()


_notices: set[str] = set()


def _notice_once(message: str, stream: TextIO | None) -> None:
    if message not in _notices:
        _notices.add(message)
        print(f"voice-cecert: {message}", file=stream if stream is not None else sys.stderr)


def make_speaker(
    kind: str = "auto",
    settings: Settings | None = None,
    *,
    player: Player | None = None,
    out: str | Path | None = None,
    clock: Clock | None = None,
    stream: TextIO | None = None,
    notice_stream: TextIO | None = None,
) -> Speaker:
    """The speaker for `kind`: "auto" (voice if it works, else text with a one-line notice),
    "voice" (voice or a UserError saying what is missing), "text", or "wav" (needs `out`)."""
    if settings is None:
        from voice_cecert.config import Settings

        settings = Settings()
    audio_kw = {
        "rate": settings.rate,
        "volume": settings.volume,
        "voice": settings.voice,
        "cue_mode": settings.cue_mode,
    }
    if kind == "text":
        return TextSpeaker(stream, cue_mode=settings.cue_mode)
    if kind == "wav":
        if out is None:
            raise UserError("a WAV speaker needs an output file (--out FILE.wav)")
        try:
            return WavSpeaker(out, clock, **audio_kw)
        except tts.TtsUnavailable as exc:
            raise UserError(f"cannot render speech: {exc} -> install espeak-ng") from exc
    if kind not in ("auto", "voice"):
        raise UserError(f"unknown speaker '{kind}' (use auto, voice, text or wav)")
    try:
        return Pyttsx3Speaker(player=player, stream=stream, notice_stream=notice_stream, **audio_kw)
    except tts.TtsUnavailable as exc:
        problem = f"no speech engine ({exc}); install espeak-ng"
    except NoOutputDevice:
        problem = "no audio output device found"
    if kind == "voice":
        raise UserError(f"cannot speak aloud: {problem} (or use --text)")
    _notice_once(f"{problem}; showing text instead.", notice_stream)
    return TextSpeaker(stream, cue_mode=settings.cue_mode)
