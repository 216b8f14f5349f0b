"""RNNoise, a small trained noise suppressor, run block by block on 16 kHz speech.

RNNoise (Valin 2018; the library the `pyrnnoise` package ships) is a recurrent network that
predicts a gain for each of 22 bands of every 10 ms frame at 48 kHz. Unlike a Wiener gain from
one noise estimate, it needs no steady noise and no noise estimate of its own making; it also
says how likely each frame is to be speech, which `suits` uses to decide, per utterance,
whether to use it at all (`conditioning.py` says where it runs and what it measured).

The shared library is loaded straight from the installed package with ctypes: importing
`pyrnnoise` itself pulls in an audio-file and plotting stack (about 0.2 s) that is not needed
here, and its frame helper truncates samples to int16 where this keeps floats.
"""

from __future__ import annotations

import ctypes
import importlib.util
from pathlib import Path

import numpy as np
import soxr

from voice_cecert.errors import UserError

RATE = 16000
MODEL_RATE = 48000
MODEL_FRAME = 480  # 10 ms at 48 kHz: the only frame size RNNoise takes
# soxr's high quality: with "LQ" (which holds back 600 samples against 1075) RNNoise took 160 of
# the 359 development commands at 5 dB SNR instead of 174 (pink 40 against 47 of 90).
QUALITY = "HQ"
DELAY = 1200  # 16 kHz samples: more than the resamplers and the 10 ms framing ever hold back
LAG = 320  # RNNoise's own delay (two 10 ms frames at 48 kHz), in 16 kHz samples

# The pyrnnoise wheels ship Linux (x86_64, aarch64) and Windows builds, none for macOS; there
# the conditioner keeps to the Wiener gain (`available`).
LIBRARY_NAMES = ("librnnoise.so", "rnnoise.dll", "librnnoise.dylib")

_lib: ctypes.CDLL | None = None


def available() -> bool:
    """Whether RNNoise can run here; the conditioner falls back to the Wiener gain if not."""
    try:
        _library()
    except (UserError, OSError):
        return False
    return True


def _library() -> ctypes.CDLL:
    global _lib
    if _lib is None:
        spec = importlib.util.find_spec("pyrnnoise")
        if spec is None or not spec.submodule_search_locations:
            raise UserError("noise suppression needs the pyrnnoise package: pip install pyrnnoise")
        folder = Path(next(iter(spec.submodule_search_locations)))
        found = [folder / name for name in LIBRARY_NAMES if (folder / name).exists()]
        if not found:
            raise UserError(f"pyrnnoise is installed without its library ({folder})")
        path = found[0]
        lib = ctypes.CDLL(str(path))
        lib.rnnoise_create.argtypes = [ctypes.c_void_p]
        lib.rnnoise_create.restype = ctypes.c_void_p
        lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
        lib.rnnoise_destroy.restype = None
        lib.rnnoise_process_frame.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_float),
            ctypes.POINTER(ctypes.c_float),
        ]
        lib.rnnoise_process_frame.restype = ctypes.c_float
        lib.rnnoise_get_frame_size.restype = ctypes.c_int
        if lib.rnnoise_get_frame_size() != MODEL_FRAME:
            raise UserError("this RNNoise library does not use 10 ms frames at 48 kHz")
        _lib = lib
    return _lib


class RNNoiseFilter:
    """Streaming RNNoise on 16 kHz audio, with state carried from call to call.

    16 kHz is resampled to 48 kHz, cut into 10 ms frames, denoised and resampled back; a stream
    fed in blocks comes out exactly as fed whole. The resamplers hand out audio in bursts and
    hold some back, never more than `DELAY` samples, so the output is the input less its last
    `DELAY` samples: the first `DELAY` samples after `reset` return nothing, every later one
    one. The output keeps the input's time base (speech comes out `LAG` samples, 20 ms, late)
    and only the end of a stream is held back.
    """

    def __init__(self) -> None:
        self._lib = _library()
        self._state: int | None = None
        self._frame = np.zeros(MODEL_FRAME, dtype=np.float32)
        self._frame_ptr = self._frame.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        self.probabilities: list[float] = []  # RNNoise's speech probability per 10 ms frame
        self.reset()

    def __del__(self) -> None:
        if getattr(self, "_state", None) is not None:
            self._lib.rnnoise_destroy(self._state)

    def reset(self) -> None:
        """Forget the noise learned so far and the audio in flight."""
        if self._state is not None:
            self._lib.rnnoise_destroy(self._state)
        self._state = self._lib.rnnoise_create(None)
        self._up = soxr.ResampleStream(RATE, MODEL_RATE, 1, dtype="float32", quality=QUALITY)
        self._down = soxr.ResampleStream(MODEL_RATE, RATE, 1, dtype="float32", quality=QUALITY)
        self._pending = np.zeros(0, dtype=np.float32)  # 48 kHz input short of a whole frame
        self._out = np.zeros(0, dtype=np.float32)
        self._owed = DELAY  # samples still to be held back from the output
        self.probabilities = []

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Denoise int16-scaled samples (float32 out; as many as in once `DELAY` are held)."""
        block = np.asarray(samples, dtype=np.float32)
        if not len(block):
            return block
        high = np.concatenate([self._pending, self._up.resample_chunk(block)])
        whole = len(high) - len(high) % MODEL_FRAME
        cleaned = high[:whole].copy()
        for start in range(0, whole, MODEL_FRAME):
            self._frame[:] = cleaned[start : start + MODEL_FRAME]
            probability = self._lib.rnnoise_process_frame(
                self._state, self._frame_ptr, self._frame_ptr
            )
            self.probabilities.append(float(probability))
            cleaned[start : start + MODEL_FRAME] = self._frame
        self._pending = high[whole:]
        if whole:
            self._out = np.concatenate([self._out, self._down.resample_chunk(cleaned)])
        count = len(block) - min(self._owed, len(block))
        self._owed -= len(block) - count
        result, self._out = self._out[:count], self._out[count:]
        return result


# Which noises RNNoise is used on, decided from an utterance's pre-roll (the endpointer's
# noise gate found it non-speech). On the speech-to-intent development items at 10 dB SNR
# (359 commands, flite and espeak-ng voices) RNNoise on everything took white noise from 43
# to 50 of 89 accepted and pink from 37 to 65 of 90, but babble from 27 to 13 of 90 and brown
# from 78 to 71 of 90. Babble is talk: RNNoise keeps it as speech (it calls 88-99% of a babble
# pre-roll speech, against 4-55% for the other noises), and the decoder then gets the
# background talkers back at full strength with the target voice's quieter parts thinned.
# Brown noise has almost all its power under 300 Hz (more than 89% of it, against at most 83%
# for pink), below most of what the acoustic model listens to, where RNNoise's coarse low bands
# also hold the voice's fundamental. Both are left to the plain path.
SPEECHLIKE = 0.7  # mean speech probability over the pre-roll above which the noise is talk
LOW_SHARE_DB = -0.5  # share of pre-roll power under 300 Hz above which the noise is a rumble
# Noise more than 25 dB under the speech level is a quiet room: left alone. The noise level is
# the median 10 ms level of the pre-roll's first 0.25 s, as a soft onset at its end or the
# synthesiser's near-silence must not count. With a plain RMS above -50 dBFS instead, RNNoise
# also ran on some clean development items and changed their results either way (out-of-domain
# false accepts 6 -> 8 of 57 flite, human recordings 0 -> 1 of 14).
QUIET_DB = -25.0
NOISE_SECONDS = 0.25


def _noise_stretch(pre_roll: np.ndarray) -> np.ndarray:
    return np.asarray(pre_roll, dtype=np.float64)[: round(NOISE_SECONDS * RATE)]


def audible_noise(pre_roll: np.ndarray, speech_level: float) -> bool:
    """The first, cheap half of `suits`: is there a pre-roll long enough, with noise within
    `QUIET_DB` of the speech level? Without it RNNoise need not even run (a quiet room)."""
    samples = _noise_stretch(pre_roll)
    if len(samples) < 2 * DELAY:
        return False
    frames = samples[: len(samples) - len(samples) % 160].reshape(-1, 160)
    noise = float(np.median(np.sqrt(np.mean(frames * frames, axis=1))))
    return noise >= speech_level * 10 ** (QUIET_DB / 20)


def suits(pre_roll: np.ndarray, probabilities: list[float], speech_level: float) -> bool:
    """Whether RNNoise should clean an utterance, from its pre-roll (before cleaning), RNNoise's
    speech probabilities over it and the speech level (RMS) the audio is expected at."""
    if not audible_noise(pre_roll, speech_level):
        return False
    samples = _noise_stretch(pre_roll)
    settled = probabilities[5:]  # its first frames, before it has heard anything, say little
    if settled and float(np.mean(settled)) > SPEECHLIKE:
        return False
    power = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    low = power[np.fft.rfftfreq(len(samples), 1 / RATE) < 300].sum()
    return bool(10 * np.log10(low / power.sum() + 1e-12) <= LOW_SHARE_DB)
