"""Audio sources: microphone, WAV file, raw PCM on stdin, all yielding the same blocks.

Every source yields `bytes` blocks of exactly BLOCK_BYTES of 16 kHz mono signed 16-bit
little-endian PCM (the last block zero-padded), so the endpointer and every recogniser see one
format whatever the input was. A source knows nothing about speech.

WAV files are read with soundfile (libsndfile) rather than the stdlib `wave` module: `wave`
in Python 3.11 rejects float and WAVE_FORMAT_EXTENSIBLE files (what many editors write for
24-bit or multichannel audio), while libsndfile reads 8-bit unsigned, 16/24/32-bit int,
float/double, mu-law and ADPCM WAVs correctly. Resampling uses soxr (a proper band-limited
resampler), never sample dropping, which would alias and hurt recognition.
"""

from __future__ import annotations

import contextlib
import queue
import struct
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile
import soxr

from voice_cecert.errors import UserError

SAMPLE_RATE = 16000
# pocketsphinx's Vad/Endpointer take 30 ms frames at 16 kHz (`Vad().frame_bytes == 960`);
# tests check that this stays true, so audio can go to the VAD without re-chunking.
BLOCK_SAMPLES = 480
BLOCK_BYTES = BLOCK_SAMPLES * 2
BLOCK_SECONDS = BLOCK_SAMPLES / SAMPLE_RATE

_WAV_FORMATS = {"WAV", "WAVEX", "RF64"}
_READ_FRAMES = SAMPLE_RATE // 2  # half a second per read keeps memory flat for long files
# Streamed WAVs (e.g. `arecord` to a pipe) leave the size fields at 0 or 0xFFFFFFFF.
_UNKNOWN_SIZES = {0, 0xFFFFFFFF}


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1) to int16, rounded and clipped (the inverse of soundfile's scale)."""
    return np.clip(np.rint(samples * 32768.0), -32768, 32767).astype("<i2")


def blocks_from_chunks(chunks: Iterator[np.ndarray]) -> Iterator[bytes]:
    """Regroup int16 chunks of any size into BLOCK_BYTES blocks, zero-padding the last one."""
    pending = b""
    for chunk in chunks:
        pending += np.asarray(chunk, dtype="<i2").tobytes()
        whole = len(pending) - len(pending) % BLOCK_BYTES
        for start in range(0, whole, BLOCK_BYTES):
            yield pending[start : start + BLOCK_BYTES]
        pending = pending[whole:]
    if pending:
        yield pending.ljust(BLOCK_BYTES, b"\0")


def _check_riff(path: Path, head: bytes, total: int) -> None:
    """libsndfile silently reads what is there when a WAV was cut short; we say so instead.

    Walks the RIFF chunk headers in `head` (the start of the file) up to the data chunk and
    compares its declared size with the `total` file size.
    """
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return  # not plain RIFF/WAVE: libsndfile gives the better message
    offset = 12
    while offset + 8 <= len(head):
        chunk_id = head[offset : offset + 4]
        size = struct.unpack("<I", head[offset + 4 : offset + 8])[0]
        if chunk_id == b"data":
            available = total - offset - 8
            if size not in _UNKNOWN_SIZES and size > available:
                raise UserError(
                    f"{path} is truncated: its header promises {size} bytes of audio "
                    f"but only {available} are there."
                )
            return
        offset += 8 + size + (size & 1)
    if total <= len(head):
        raise UserError(f"{path} is truncated or damaged: it has no audio data.")


class WavSource:
    """Blocks from a WAV file of any sample rate, sample format and channel count.

    The file is checked when the source is made (so a bad path fails before anything starts)
    and streamed when iterated: channels are averaged, the rate is converted with soxr.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.info = _open_info(self.path)

    @property
    def seconds(self) -> float:
        return self.info.frames / self.info.samplerate

    def chunks(self) -> Iterator[np.ndarray]:
        """int16 mono 16 kHz chunks of varying length (no padding)."""
        info = self.info
        native = info.samplerate == SAMPLE_RATE and info.channels == 1 and info.subtype == "PCM_16"
        resampler = (
            None
            if info.samplerate == SAMPLE_RATE
            else soxr.ResampleStream(info.samplerate, SAMPLE_RATE, 1, dtype="float32", quality="HQ")
        )
        try:
            with soundfile.SoundFile(str(self.path)) as handle:
                while True:
                    if native:
                        data = handle.read(_READ_FRAMES, dtype="int16", always_2d=False)
                        if len(data) == 0:
                            return
                        yield data
                        continue
                    block = handle.read(_READ_FRAMES, dtype="float32", always_2d=True)
                    last = len(block) < _READ_FRAMES
                    mono = block.mean(axis=1, dtype=np.float32)
                    if resampler is not None:
                        mono = resampler.resample_chunk(mono, last=last)
                    if len(mono):
                        yield to_int16(mono)
                    if last:
                        return
        except (soundfile.LibsndfileError, RuntimeError) as exc:
            raise UserError(f"could not read {self.path}: {_one_line(exc)}") from None

    def __iter__(self) -> Iterator[bytes]:
        return blocks_from_chunks(self.chunks())


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__


def _open_info(path: Path) -> soundfile._SoundFileInfo:
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a WAV file.")
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
            handle.seek(0, 2)
            total = handle.tell()
    except FileNotFoundError:
        raise UserError(f"{path} does not exist.") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}.") from None
    if total == 0:
        raise UserError(f"{path} is empty.")
    _check_riff(path, head, total)
    try:
        info = soundfile.info(str(path))
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        raise UserError(f"{path} is not a readable WAV file ({_one_line(exc)}).") from None
    if info.format not in _WAV_FORMATS:
        raise UserError(f"{path} is a {info.format} file; please give a WAV file.")
    if info.frames == 0:
        raise UserError(f"{path} has no audio in it.")
    return info


def read_wav(path: str | Path) -> np.ndarray:
    """A whole WAV file as int16 mono 16 kHz samples (tests and benchmarks use this)."""
    chunks = list(WavSource(path).chunks())
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype="<i2")


def blocks_from_array(samples: np.ndarray) -> Iterator[bytes]:
    """Blocks from int16 16 kHz samples already in memory (synthesised speech, tests)."""
    return blocks_from_chunks(iter([np.asarray(samples, dtype="<i2")]))


class StdinSource:
    """Raw 16 kHz mono int16 little-endian PCM from a binary stream (default: stdin).

    Pipes return short reads, so blocks are assembled until full; a stream that ends halfway
    through a sample is not 16-bit PCM and is reported as such.
    """

    def __init__(self, stream: BinaryIO | None = None) -> None:
        if stream is None:
            stream = sys.stdin.buffer
        self.stream: BinaryIO = getattr(stream, "buffer", stream)

    def __iter__(self) -> Iterator[bytes]:
        pending = b""
        while True:
            data = self.stream.read(BLOCK_BYTES - len(pending))
            if not data:
                break
            pending += data
            if len(pending) == BLOCK_BYTES:
                yield pending
                pending = b""
        if len(pending) % 2:
            raise UserError(
                "the audio on standard input ended halfway through a sample: "
                "send raw 16 kHz mono 16-bit little-endian PCM."
            )
        if pending:
            yield pending.ljust(BLOCK_BYTES, b"\0")


class MicSource:
    """Live blocks from a microphone via sounddevice (PortAudio).

    PortAudio calls back on its own thread; blocks go through a bounded queue so a slow
    consumer loses the oldest audio rather than growing memory without limit. When the device
    cannot capture at 16 kHz, it is opened at its own rate and resampled with soxr.
    `close()` (from any thread) ends the iteration.
    """

    QUEUE_SECONDS = 10.0

    def __init__(self, device: int | str | None = None) -> None:
        self.device = device
        self.dropped_blocks = 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(
            maxsize=int(self.QUEUE_SECONDS / BLOCK_SECONDS)
        )
        self._closed = threading.Event()
        self._sd = _import_sounddevice()
        try:
            info = self._sd.query_devices(device, kind="input")
        except (ValueError, self._sd.PortAudioError) as exc:
            which = (
                "no microphone (audio input device) was found"
                if device is None
                else (f"audio input device {device!r} was not found")
            )
            raise UserError(f"{which}: {_one_line(exc)}. Try --wav FILE instead.") from None
        self.device_name = str(info.get("name", device))
        self._device_rate = int(info.get("default_samplerate") or SAMPLE_RATE)

    def _put(self, data: bytes) -> None:
        while True:
            try:
                self._queue.put_nowait(data)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()
                    self.dropped_blocks += 1

    def _open(self, rate: int, blocksize: int):  # -> sounddevice.RawInputStream
        def callback(indata, frames, time_info, status) -> None:  # PortAudio thread
            self._put(bytes(indata))

        return self._sd.RawInputStream(
            samplerate=rate,
            blocksize=blocksize,
            device=self.device,
            channels=1,
            dtype="int16",
            callback=callback,
        )

    def discard_pending(self) -> None:
        """Drop what was captured but not yet read: the app's own voice, heard while it spoke
        (half duplex), must not be taken for the user's."""
        with contextlib.suppress(queue.Empty):
            while True:
                if self._queue.get_nowait() is None:  # close() was called: keep that
                    self._put(None)  # type: ignore[arg-type]
                    return

    def close(self) -> None:
        self._closed.set()
        self._put(None)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[bytes]:
        rate = SAMPLE_RATE
        try:
            stream = self._open(SAMPLE_RATE, BLOCK_SAMPLES)
        except self._sd.PortAudioError:
            rate = self._device_rate
            try:
                stream = self._open(rate, int(rate * BLOCK_SECONDS))
            except self._sd.PortAudioError as exc:
                raise UserError(
                    f"could not open the microphone {self.device_name!r}: {_one_line(exc)}."
                ) from None
        resampler = (
            None
            if rate == SAMPLE_RATE
            else soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="int16", quality="HQ")
        )
        self._closed.clear()
        with stream:
            yield from blocks_from_chunks(self._captured(resampler))

    def _captured(self, resampler: soxr.ResampleStream | None) -> Iterator[np.ndarray]:
        while not self._closed.is_set():
            data = self._queue.get()
            if data is None:
                return
            samples = np.frombuffer(data, dtype="<i2")
            yield samples if resampler is None else resampler.resample_chunk(samples)


def _import_sounddevice():  # -> module
    """sounddevice fails at import when the PortAudio library is missing; say what to install."""
    try:
        import sounddevice
    except OSError as exc:
        raise UserError(
            f"audio input is unavailable ({_one_line(exc)}): install PortAudio "
            "(e.g. `sudo apt install libportaudio2`)."
        ) from None
    return sounddevice
