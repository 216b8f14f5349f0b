"""Playing samples on the sound card, in small chunks so playback can stop mid-word.

pyttsx3's own Linux playback shells out to a blocking `aplay` that nothing can cut short
(pyttsx3 issues #419, #440). A clinician who says "stop" must hear the app stop, so the speakers
hand samples to a Player, which writes them to a sounddevice stream a few tens of milliseconds
at a time and aborts the stream (dropping what is buffered) as soon as it is interrupted.
Tests inject a fake Player; the real one needs an output device.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np

CHUNK_SECONDS = 0.04


class Player(Protocol):
    def play(self, samples: np.ndarray, rate: int, interrupt: threading.Event) -> bool:
        """Play float32 mono samples; block until done (True) or `interrupt` is set (False)."""


class NoOutputDevice(Exception):
    """There is no audio output device (or PortAudio is missing)."""


def chunks(samples: np.ndarray, rate: int, seconds: float = CHUNK_SECONDS) -> Iterator[np.ndarray]:
    step = max(1, round(rate * seconds))
    for start in range(0, len(samples), step):
        yield samples[start : start + step]


def output_device_name() -> str:
    """Name of the default output device; NoOutputDevice if there is none."""
    try:
        import sounddevice as sd

        info = sd.query_devices(kind="output")
    except Exception as exc:  # PortAudio missing, no devices, no default device
        raise NoOutputDevice(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    if not info or int(info.get("max_output_channels", 0)) < 1:
        raise NoOutputDevice("no output device")
    return str(info["name"])


class SoundDevicePlayer:
    """Plays on the default (or a named) output device through a blocking OutputStream."""

    def __init__(self, device: int | str | None = None) -> None:
        if device is None:
            output_device_name()  # fail now, at construction, not in the middle of a routine
        self._device = device

    def play(self, samples: np.ndarray, rate: int, interrupt: threading.Event) -> bool:
        import sounddevice as sd

        samples = np.ascontiguousarray(samples, dtype=np.float32)
        device_rate = self._device_rate(rate)
        if device_rate != rate:
            import soxr

            samples = soxr.resample(samples, rate, device_rate).astype(np.float32)
        stream = sd.OutputStream(
            samplerate=device_rate, channels=1, dtype="float32", device=self._device, latency="low"
        )
        with stream:
            for chunk in chunks(samples, device_rate):
                if interrupt.is_set():
                    stream.abort()  # drop the buffered audio: silence now, not in a second
                    return False
                stream.write(chunk.reshape(-1, 1))
        return not interrupt.is_set()

    def _device_rate(self, rate: int) -> int:
        """`rate` if the device takes it, else the device's own rate (we resample to it):
        speech comes at 22050 Hz, which some hardware devices refuse."""
        import sounddevice as sd

        try:
            sd.check_output_settings(self._device, channels=1, dtype="float32", samplerate=rate)
            return rate
        except Exception:
            info = sd.query_devices(self._device, kind="output")
            return int(info["default_samplerate"])


class RecordingPlayer:
    """Stands in for the sound card (tests, benchmarks, machines without audio): keeps every
    chunk it is handed and when the first one arrived. With `speed` set it takes chunk-length /
    speed seconds per chunk, like a real device, so stop() can land mid-line."""

    def __init__(self, speed: float | None = None) -> None:
        self.speed = speed
        self.lines: list[tuple[np.ndarray, int]] = []
        self.first_sample_at: float | None = None  # time.perf_counter() of the first chunk
        self.on_play: list[
            Callable[[], None]
        ] = []  # callables run as each line starts (tests peek here)

    def play(self, samples: np.ndarray, rate: int, interrupt: threading.Event) -> bool:
        for hook in self.on_play:
            hook()
        played: list[np.ndarray] = []
        try:
            for chunk in chunks(samples, rate):
                if interrupt.is_set():
                    return False
                if self.first_sample_at is None:
                    self.first_sample_at = time.perf_counter()
                played.append(chunk)
                if self.speed:
                    interrupt.wait(len(chunk) / rate / self.speed)
            return not interrupt.is_set()
        finally:
            joined = np.concatenate(played) if played else np.zeros(0, np.float32)
            self.lines.append((joined, rate))
