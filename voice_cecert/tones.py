"""Non-verbal cue sounds, generated with numpy so they need no files and no TTS.

Breathing should be followable with eyes closed: the inhale cue rises in pitch, the exhale cue
falls, the hold cue stays low and steady, and a chime marks a start or an end. A guide tone lasts
the whole phase (you breathe in for as long as the tone rises), so its length follows the
requested seconds. Every cue fades in and out with a raised-cosine ramp, so it never clicks.
"""

from __future__ import annotations

import numpy as np

from voice_cecert.errors import UserError

CUE_KINDS = ("inhale", "exhale", "hold", "chime")
CUE_WORDS = {"inhale": "breathe in", "exhale": "breathe out", "hold": "hold", "chime": "chime"}

# Soft, low, mostly sine: these play for minutes in a quiet room, so nothing shrill.
_LOW_HZ = 220.0
_HIGH_HZ = 330.0
_HOLD_HZ = 196.0
_FADE_S = 0.08
_LEVEL = 0.3
_MIN_S = 0.05
_MAX_S = 60.0


def check_kind(kind: str) -> str:
    if kind not in CUE_KINDS:
        raise UserError(f"unknown cue '{kind}' (use one of: {', '.join(CUE_KINDS)})")
    return kind


def cue_samples(kind: str, seconds: float, rate: int = 22050) -> np.ndarray:
    """float32 mono samples in [-1, 1], exactly round(seconds * rate) long."""
    check_kind(kind)
    if not _MIN_S <= seconds <= _MAX_S:
        raise UserError(f"a cue must last {_MIN_S} to {_MAX_S:g} seconds, not {seconds:g}")
    n = max(1, round(seconds * rate))
    if kind == "chime":
        wave = _chime(n, rate)
    else:
        start, end = {
            "inhale": (_LOW_HZ, _HIGH_HZ),
            "exhale": (_HIGH_HZ, _LOW_HZ),
            "hold": (_HOLD_HZ, _HOLD_HZ),
        }[kind]
        wave = _glide(start, end, n, rate)
        if kind == "hold":
            wave *= 0.6  # a resting sound: quieter than the moving ones
    return (wave * _fades(n, rate) * _LEVEL).astype(np.float32)


def _glide(start_hz: float, end_hz: float, n: int, rate: int) -> np.ndarray:
    # Integrate the frequency so a glide has continuous phase (a stepped sweep would buzz).
    # The glide is exponential, so equal times give equal musical intervals.
    freq = start_hz * (end_hz / start_hz) ** np.linspace(0.0, 1.0, n)
    phase = 2 * np.pi * np.cumsum(freq) / rate
    return np.sin(phase) + 0.15 * np.sin(2 * phase)


def _chime(n: int, rate: int) -> np.ndarray:
    t = np.arange(n) / rate
    partials = ((523.25, 1.0), (1046.5, 0.4), (1569.75, 0.2))  # C5 and harmonics: bell-like
    decay = np.exp(-t * (4.0 / max(t[-1], 0.25)))
    return sum(a * np.sin(2 * np.pi * f * t) for f, a in partials) / 1.6 * decay


def _fades(n: int, rate: int) -> np.ndarray:
    ramp = min(round(_FADE_S * rate), n // 2)
    env = np.ones(n)
    if ramp > 0:
        rise = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, ramp))
        env[:ramp] = rise
        env[n - ramp :] = rise[::-1]
    return env
