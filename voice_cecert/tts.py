"""Text to samples with pyttsx3 (espeak-ng on Linux), on one worker thread that owns the engine.

Why a worker thread: pyttsx3 keeps one engine per driver per process and espeak-ng can be
initialised only once per process, with a single global synthesis callback; two threads
synthesising at once would mix their audio. Every synthesis goes through one thread, one at a
time. Why save_to_file: pyttsx3 2.99's Linux driver plays `say()` through a blocking `aplay`
that cannot be interrupted and speaks only one queued message per runAndWait (pyttsx3 issues
#419, #440). Writing each line to a private temp file (deleted right after reading) gives us the
samples, and our own Player makes them stoppable. A short line takes about 10 ms here.
All pyttsx3 use in the app goes through this module (pyttsx3.init() hands every caller the same
engine, so a second user elsewhere would share it across threads).
"""

from __future__ import annotations

import atexit
import concurrent.futures
import os
import re
import sys
import tempfile
import threading
import wave
from dataclasses import dataclass

import numpy as np

from voice_cecert.errors import UserError

SYNTH_TIMEOUT_S = 30.0
MIN_RATE_WPM = 80
MAX_RATE_WPM = 400


class TtsUnavailable(Exception):
    """No working text-to-speech engine (e.g. espeak-ng is not installed)."""


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Synthesis:
    samples: np.ndarray  # float32 mono in [-1, 1]
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


_executor: concurrent.futures.ThreadPoolExecutor | None = None
_engine = None  # touched only on the worker thread
_engine_props: dict[str, object] = {}
_espeak_driver = False
_default_voice = ""
_finished = threading.Event()
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _worker() -> concurrent.futures.ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts")
    return _executor


def _run(fn, *args):
    try:
        return _worker().submit(fn, *args).result(timeout=SYNTH_TIMEOUT_S)
    except concurrent.futures.TimeoutError as exc:
        raise TtsUnavailable("the speech engine did not answer within 30 seconds") from exc


def _quiet(*_args, **_kwargs) -> None:
    """Replaces print() inside pyttsx3's espeak driver, which announces every saved file on
    stdout (that would land in the middle of the app's own output, e.g. `--json`)."""


def _get_engine():
    global _engine, _espeak_driver, _default_voice
    if _engine is None:
        try:
            import pyttsx3

            engine = pyttsx3.init()
            driver_module = type(engine.proxy._driver).__module__
            module = sys.modules.get(driver_module)
            if module is not None and driver_module.endswith("espeak"):
                module.print = _quiet
                _espeak_driver = True
            engine.connect("finished-utterance", _on_finished)
            default = getattr(type(engine.proxy._driver), "_defaultVoice", "")
            _default_voice = default or str(engine.getProperty("voice") or "")
        except Exception as exc:  # missing libespeak-ng raises OSError, others RuntimeError
            raise TtsUnavailable(f"pyttsx3 could not start: {exc}") from exc
        _engine = engine
        _engine_props["voice"] = _default_voice
    return _engine


def _on_finished(**_kwargs: object) -> None:
    _finished.set()


def _set(engine, name: str, value: object) -> None:
    if _engine_props.get(name) != value:
        engine.setProperty(name, value)
        _engine_props[name] = value


def _synthesize(text: str, rate_wpm: int, voice: str) -> Synthesis:
    engine = _get_engine()
    _set(engine, "volume", 1.0)  # loudness is applied to the samples, the same way for cues
    # "" means the engine's default voice; set it back explicitly, because the engine is shared
    # and keeps whatever voice the previous caller chose.
    _set(engine, "voice", voice or _default_voice)
    text = _CONTROL.sub(" ", text)
    if _espeak_driver:
        # espeak-ng runs asynchronously under pyttsx3 and a rate set between lines is sometimes
        # dropped (the driver cancels espeak's command queue after each line). An embedded
        # speed command travels with the text itself, so every line gets its own rate.
        text = f"\x01{rate_wpm}S {text}"
    else:
        _set(engine, "rate", rate_wpm)
    fd, path = tempfile.mkstemp(prefix="vc-tts-", suffix=".wav")  # 0600, private
    os.close(fd)
    try:
        _finished.clear()
        engine.save_to_file(text, path)
        engine.runAndWait()
        # espeak-ng synthesises on its own thread and pyttsx3's runAndWait can return before it
        # is done (under load the file was still empty or half written); the driver announces
        # "finished-utterance" only after the WAV file is closed.
        if not _finished.wait(SYNTH_TIMEOUT_S - 5):
            raise TtsUnavailable("the speech engine did not finish the line")
        with wave.open(path, "rb") as wav:
            rate = wav.getframerate()
            frames = wav.readframes(wav.getnframes())
            width = wav.getsampwidth()
    except (OSError, EOFError, wave.Error) as exc:
        raise TtsUnavailable(f"the speech engine wrote no audio: {exc}") from exc
    finally:
        os.unlink(path)
    if width != 2:
        raise TtsUnavailable(f"unexpected sample width {width} from the speech engine")
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
    return Synthesis(samples, rate)


def _shutdown() -> None:
    """Drop the engine while the interpreter is still whole: pyttsx3's finaliser fails with
    "'NoneType' object has no attribute 'suppress'" when it runs during interpreter teardown."""
    global _engine
    if _executor is not None:
        _executor.shutdown(wait=True)
    _engine = None


atexit.register(_shutdown)


def synthesize(text: str, rate_wpm: int = 165, voice: str = "") -> Synthesis:
    """Real speech samples for `text`. Blank text gives no samples (pyttsx3 rejects it)."""
    rate_wpm = int(min(MAX_RATE_WPM, max(MIN_RATE_WPM, rate_wpm)))
    if not text.strip():
        return Synthesis(np.zeros(0, dtype=np.float32), 22050)
    result = _run(_synthesize, text, rate_wpm, voice)
    if len(result.samples) == 0 and any(c.isalnum() for c in text):
        # pyttsx3 2.99's espeak driver writes the file when espeak reports the end of the
        # message, before it appends the samples of that same callback: when espeak hands a
        # short line over in one callback (seen once, under load: the doctor's "ready"), the
        # file is empty. The line is synthesised again once.
        result = _run(_synthesize, text, rate_wpm, voice)
    return result


def ensure_engine() -> None:
    """Start the engine now (TtsUnavailable if it cannot), so a missing espeak-ng is found when
    a speaker is made, not in the middle of a practice."""
    _run(_get_engine)


def _voices() -> list[VoiceInfo]:
    found = []
    for v in _get_engine().getProperty("voices"):
        langs = tuple(str(lang) for lang in (v.languages or ()))
        found.append(VoiceInfo(str(v.id), str(v.name), langs))
    return found


def list_voices() -> list[VoiceInfo]:
    return _run(_voices)


def english_voices() -> tuple[str, ...]:
    """Ids of the English voices, the ones a user of this English-language coach can pick."""
    return tuple(
        v.id
        for v in list_voices()
        if v.id.rsplit("/", 1)[-1].startswith("en")
        or any(lang.lower().lstrip("\x05").startswith("en") for lang in v.languages)
    )


def resolve_voice(name: str) -> str:
    """The engine's id for a voice given by id ("gmw/en-us"), short id ("en-us") or name
    ("English (America)"). espeak-ng silently keeps the old voice for an unknown name, so an
    unknown one is an error here instead."""
    if not name:
        return ""
    wanted = name.strip().lower()
    voices = list_voices()
    for v in voices:
        if wanted in (v.id.lower(), v.id.lower().rsplit("/", 1)[-1], v.name.lower()):
            return v.id
    english = [v.id.rsplit("/", 1)[-1] for v in voices if v.id.rsplit("/", 1)[-1].startswith("en")]
    examples = ", ".join(english[:5]) or ", ".join(v.id for v in voices[:5])
    raise UserError(f"unknown voice '{name}' (try one of: {examples}; or leave it empty)")
