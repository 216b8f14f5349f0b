"""Synthetic test speech: the same spoken words for tests, benchmarks and end-to-end sessions.

There is no microphone here and no human volunteers, so every audio test speaks its own input
with flite or espeak-ng. Figures measured on this audio describe synthetic voices only; they are
a regression yardstick, not a claim about human speech.

Everything is 16 kHz mono int16, the app's internal audio format. Each clip is trimmed to its
speech plus a fixed `MARGIN`, so utterance boundaries in `session_with_marks` are known to
within a few milliseconds (latency benchmarks measure from the end of speech).
Synthesis is cached per process, and on disk when `VOICE_CECERT_SYNTH_CACHE` names a folder
(or `set_cache_dir` is called), keyed by text, voice, speed and the tool's version.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import soxr

from voice_cecert.errors import UserError

RATE = 16000
MARGIN = 0.03  # seconds of the tool's own near-silence kept around the speech of each clip
LEAD = 0.5  # default silence before the first utterance of a session
TAIL = 1.2  # default silence after the last one (endpointers need trailing silence to fire)
GAP = 1.0  # default silence between two utterances with no explicit float between them
ESPEAK_WPM = 175  # espeak-ng's own default rate; speed scales it

VOICES: tuple[str, ...] = (
    "flite:slt",
    "flite:rms",
    "flite:awb",
    "flite:kal16",
    "espeak:en-us",
    "espeak:en+m3",
    "espeak:en-gb+f2",
    "espeak:en-us+f4",
)
NOISE_KINDS: tuple[str, ...] = ("white", "pink", "brown", "babble")

_TOOLS = {"flite": "flite", "espeak": "espeak-ng"}
_cache_dir: Path | None = None


class Mark(NamedTuple):
    """Where one utterance's speech lies in a session, in seconds (a tuple, so it unpacks)."""

    text: str
    start: float
    end: float


def voice_family(name: str) -> str:
    """'flite' or 'espeak': benchmarks report families apart because they differ so much.

    Any voice of either tool is accepted ("espeak:en-gb-scotland"); VOICES lists the ones checked.
    """
    family, _, voice = name.partition(":")
    if family not in _TOOLS or not voice:
        raise UserError(f"unknown voice {name!r}; use e.g. one of: {', '.join(VOICES)}")
    return family


def set_cache_dir(path: str | Path | None) -> None:
    """Keep synthesised clips on disk here (None: memory only). Overrides the env variable."""
    global _cache_dir
    _cache_dir = Path(path) if path is not None else None


def _disk_cache() -> Path | None:
    if _cache_dir is not None:
        return _cache_dir
    env = os.environ.get("VOICE_CECERT_SYNTH_CACHE")
    return Path(env) if env else None


def _tool(family: str) -> str:
    exe = shutil.which(_TOOLS[family])
    if exe is None:
        pkg = _TOOLS[family]
        raise UserError(f"{pkg} is not installed; install it (e.g. sudo apt-get install {pkg})")
    return exe


@functools.cache
def _tool_version(family: str) -> str:
    flag = "--version"
    out = subprocess.run([_tool(family), flag], capture_output=True, text=True, check=False)
    return (out.stdout + out.stderr).strip()


@functools.cache
def _flite_voices() -> tuple[str, ...]:
    out = subprocess.run([_tool("flite"), "-lv"], capture_output=True, text=True, check=False)
    return tuple(out.stdout.split(":", 1)[-1].split())


def synthesize(text: str, voice: str = "flite:slt", speed: float = 1.0) -> np.ndarray:
    """Speak `text`; int16 mono 16 kHz, trimmed to the speech plus MARGIN on each side."""
    text = " ".join(text.split())
    if not text:
        raise UserError("nothing to synthesise: the text is empty")
    if not 0.3 <= speed <= 3.0:
        raise UserError(f"speed {speed} is out of range; use 0.3 to 3.0 (1.0 is normal)")
    voice_family(voice)
    return _cached(text, voice, round(float(speed), 4)).copy()


@functools.lru_cache(maxsize=512)  # ~25 MB of typical command clips
def _cached(text: str, voice: str, speed: float) -> np.ndarray:
    family = voice_family(voice)
    key = hashlib.sha256(
        "\0".join((text, voice, repr(speed), _tool_version(family), repr(MARGIN))).encode()
    ).hexdigest()[:32]
    folder = _disk_cache()
    path = folder / f"{key}.wav" if folder else None
    if path is not None and path.exists():
        audio = read_wav(path)
    else:
        audio = _trim(_run_tool(text, voice, speed))
        if path is not None:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            write_wav(tmp, audio)
            os.replace(tmp, path)  # atomic, so parallel benchmark workers never read half a file
    audio.flags.writeable = False
    return audio


def _run_tool(text: str, voice: str, speed: float) -> np.ndarray:
    family, name = voice.split(":", 1)
    exe = _tool(family)
    if family == "flite" and name not in _flite_voices():
        # flite silently falls back to its default voice for an unknown name
        raise UserError(f"flite has no voice {name!r}; it has: {', '.join(_flite_voices())}")
    with tempfile.TemporaryDirectory(prefix="vc-synth-") as tmp:
        out = Path(tmp) / "out.wav"
        if family == "flite":
            cmd = [exe, "-voice", name, "--setf", f"duration_stretch={1.0 / speed:.4f}"]
            cmd += ["-t", text, "-o", str(out)]
            stdin = None
        else:
            cmd = [exe, "-v", name, "-s", str(round(ESPEAK_WPM * speed)), "-w", str(out)]
            cmd += ["--stdin"]
            stdin = text
        done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not out.exists():
            msg = (done.stderr or done.stdout).strip().splitlines()
            raise UserError(
                f"{family} failed for voice {name!r}: {msg[-1] if msg else 'no output'}"
            )
        with wave.open(str(out), "rb") as w:
            rate = w.getframerate()
            raw = w.readframes(w.getnframes())
    audio = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    if rate != RATE:
        audio = soxr.resample(audio, rate, RATE, quality="HQ")
    return np.clip(np.round(audio), -32768, 32767).astype(np.int16)


def _frame_db(audio: np.ndarray, frame: int) -> np.ndarray:
    n = len(audio) // frame
    if n == 0:
        return np.zeros(0)
    frames = audio[: n * frame].astype(np.float64).reshape(n, frame)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-9)


def _trim(audio: np.ndarray) -> np.ndarray:
    """Cut to the frames within 45 dB of the loudest frame, plus MARGIN of the original audio.

    A relative threshold keeps quiet consonant tails (final s, t releases) inside the clip.
    """
    frame = RATE // 100
    db = _frame_db(audio, frame)
    active = np.flatnonzero(db > db.max() - 45) if len(db) else np.zeros(0, int)
    if len(active) == 0:
        raise UserError("the synthesiser produced silence; check the text and voice")
    margin = round(MARGIN * RATE)
    start = active[0] * frame
    end = (active[-1] + 1) * frame
    clip = audio[max(0, start - margin) : end + margin]
    pad_front = max(0, margin - start)
    pad_back = max(0, end + margin - len(audio))
    return np.concatenate([silence(pad_front / RATE), clip, silence(pad_back / RATE)])


def silence(seconds: float) -> np.ndarray:
    """Digital silence; tests that need a noise floor mix noise over it with `mix_noise`."""
    if seconds < 0:
        raise UserError(f"silence cannot be negative ({seconds} s)")
    return np.zeros(round(seconds * RATE), dtype=np.int16)


def session_with_marks(
    parts: Sequence[str | float],
    voice: str = "flite:slt",
    speed: float = 1.0,
    lead: float = LEAD,
    tail: float = TAIL,
) -> tuple[np.ndarray, list[Mark]]:
    """Utterances (str) separated by silences (float seconds), with where each one's speech is.

    Two strings in a row get GAP seconds between them. Marks exclude each clip's MARGIN, so
    `end` is where the speech stops: what an end-of-speech latency is measured from.
    """
    chunks: list[np.ndarray] = [silence(lead)]
    marks: list[Mark] = []
    pos = len(chunks[0])
    margin = round(MARGIN * RATE)
    previous_was_text = False
    for part in parts:
        if isinstance(part, str):
            if previous_was_text:
                chunks.append(silence(GAP))
                pos += len(chunks[-1])
            clip = synthesize(part, voice, speed)
            marks.append(Mark(part, (pos + margin) / RATE, (pos + len(clip) - margin) / RATE))
            chunks.append(clip)
            previous_was_text = True
        elif isinstance(part, int | float) and not isinstance(part, bool):
            chunks.append(silence(float(part)))
            previous_was_text = False
        else:
            raise UserError(f"session parts must be text or seconds of silence, not {part!r}")
        pos += len(chunks[-1])
    chunks.append(silence(tail))
    return np.concatenate(chunks), marks


def session(
    parts: Sequence[str | float],
    voice: str = "flite:slt",
    speed: float = 1.0,
    lead: float = LEAD,
    tail: float = TAIL,
) -> np.ndarray:
    """`session_with_marks` without the marks."""
    return session_with_marks(parts, voice, speed, lead, tail)[0]


def speech_power(audio: np.ndarray) -> float:
    """Mean power of the speech frames only (within 40 dB of the loudest 20 ms frame).

    Sessions are mostly silence; averaging over it would make every SNR look better than what
    a listener hears during the words.
    """
    frame = RATE // 50
    db = _frame_db(audio, frame)
    if len(db) == 0 or db.max() <= -80:
        raise UserError("cannot set an SNR: the audio has no speech")
    active = db > db.max() - 40
    n = len(db) * frame
    frames = audio[:n].astype(np.float64).reshape(len(db), frame)
    return float(np.mean(frames[active] ** 2))


def noise(kind: str, n: int, seed: int = 0) -> np.ndarray:
    """Unit-power float noise of `n` samples; the same seed always gives the same noise."""
    rng = np.random.default_rng(seed)
    if kind == "babble":
        out = _babble(n, rng)
    elif kind in ("white", "pink", "brown"):
        white = rng.standard_normal(n)
        if kind == "white":
            out = white
        else:
            spectrum = np.fft.rfft(white)
            f = np.fft.rfftfreq(n, 1 / RATE)
            f[0] = f[1] if n > 1 else 1.0
            spectrum /= np.sqrt(f) if kind == "pink" else f  # 1/f power, or 1/f^2 (car rumble)
            out = np.fft.irfft(spectrum, n)
    else:
        raise UserError(f"unknown noise kind {kind!r}; choose one of: {', '.join(NOISE_KINDS)}")
    out = out - out.mean()
    return out / (np.sqrt(np.mean(out**2)) + 1e-12)


_BABBLE_LINES = (
    ("flite:slt", "The quarterly numbers came in lower than we expected this time around."),
    ("flite:rms", "I think the parking garage closes early on Fridays during the summer."),
    ("flite:awb", "She said the train was delayed by almost an hour because of the weather."),
    ("flite:kal16", "We should order more paper for the printer before the end of the month."),
    ("flite:slt", "My brother is visiting next week and we plan to walk along the river."),
    ("flite:rms", "The new coffee machine makes a terrible noise every single morning."),
)


def _babble(n: int, rng: np.random.Generator) -> np.ndarray:
    """Six overlapping talkers saying unrelated sentences: cafe or corridor chatter."""
    out = np.zeros(n)
    for voice, line in _BABBLE_LINES:
        talk = synthesize(line, voice).astype(np.float64)
        talk /= np.sqrt(np.mean(talk**2)) + 1e-12
        reps = int(np.ceil((n + len(talk)) / len(talk))) + 1
        looped = np.tile(talk, reps)
        offset = int(rng.integers(0, len(talk)))
        out += looped[offset : offset + n]
    return out


def mix_noise(audio: np.ndarray, snr_db: float, seed: int = 0, kind: str = "pink") -> np.ndarray:
    """Add noise at `snr_db` below the speech power (see `speech_power`), clipped to int16."""
    signal = np.asarray(audio)
    level = speech_power(signal) / (10 ** (snr_db / 10))
    mixed = signal.astype(np.float64) + noise(kind, len(signal), seed) * np.sqrt(level)
    return np.clip(np.round(mixed), -32768, 32767).astype(np.int16)


def write_wav(path: str | Path, audio: np.ndarray, rate: int = RATE) -> None:
    """16-bit mono WAV, the format `voice-cecert listen --wav` and the tests read."""
    data = np.asarray(audio)
    if data.dtype != np.int16:
        raise UserError(f"write_wav needs int16 audio, got {data.dtype}")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.astype("<i2").tobytes())


def read_wav(path: str | Path) -> np.ndarray:
    """Read a 16-bit PCM WAV as 16 kHz mono int16 (channels averaged, other rates resampled)."""
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    if width != 2:
        raise UserError(f"{path} is {8 * width}-bit; read_wav reads 16-bit PCM only")
    audio = np.frombuffer(raw, dtype="<i2").astype(np.float32).reshape(-1, channels).mean(axis=1)
    if rate != RATE:
        audio = soxr.resample(audio, rate, RATE, quality="HQ")
    return np.clip(np.round(audio), -32768, 32767).astype(np.int16)


def to_bytes(audio: np.ndarray) -> bytes:
    """Raw little-endian PCM, as the recogniser's `feed` takes it."""
    return np.asarray(audio, dtype=np.int16).astype("<i2").tobytes()


__all__ = [
    "MARGIN",
    "NOISE_KINDS",
    "RATE",
    "VOICES",
    "Mark",
    "mix_noise",
    "noise",
    "read_wav",
    "session",
    "session_with_marks",
    "silence",
    "speech_power",
    "synthesize",
    "to_bytes",
    "voice_family",
    "write_wav",
]
