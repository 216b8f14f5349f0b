"""Writing speech to a WAV file: 16-bit mono, atomically, readable by the user alone.

Rendered routines can carry words about clinical work, so they get the same care as every
other user file (see `voice_cecert.files`).
"""

from __future__ import annotations

import io
import os
import wave
from pathlib import Path

import numpy as np

from voice_cecert.files import write_private_atomic


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    """16-bit mono WAV bytes from float samples in [-1, 1] (clipped, not wrapped)."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())
    return buf.getvalue()


def write_wav_atomic(path: str | os.PathLike[str], samples: np.ndarray, rate: int) -> Path:
    target = Path(path)
    write_private_atomic(target, wav_bytes(samples, rate))
    return target
