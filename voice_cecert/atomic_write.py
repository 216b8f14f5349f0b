"""Writing user files so a crash never leaves half a file, and nobody else can read it.

Everything is written to a temp file in the same folder (so os.replace is atomic), flushed to
disk, made 0600, and only then renamed over the target.
"""

from __future__ import annotations

import io
import os
import tempfile
import wave
from pathlib import Path

import numpy as np


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, mode: int = 0o600) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


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
    return write_bytes_atomic(path, wav_bytes(samples, rate))
