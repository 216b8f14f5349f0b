"""Audio sources: real WAV files in every common sample format, real pipes for stdin."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import numpy as np
import pocketsphinx
import pytest
import soundfile

from voice_cecert import audio
from voice_cecert.audio import BLOCK_BYTES, SAMPLE_RATE, StdinSource, WavSource, read_wav
from voice_cecert.errors import UserError

GOFORWARD_RAW = "/usr/share/pocketsphinx/test/data/goforward.raw"


def _tone(freq: float, seconds: float, rate: int, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float64)


def _dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * SAMPLE_RATE / len(samples))


def test_block_size_is_what_pocketsphinx_vad_wants():
    assert BLOCK_BYTES == audio.BLOCK_SAMPLES * 2
    assert pocketsphinx.Vad().frame_bytes == BLOCK_BYTES
    assert pocketsphinx.Endpointer().frame_bytes == BLOCK_BYTES


def test_native_wav_is_passed_through_bit_exact_and_padded(tmp_path):
    rng = np.random.default_rng(1)
    samples = rng.integers(-30000, 30000, size=SAMPLE_RATE + 123, dtype=np.int16)
    path = tmp_path / "native.wav"
    soundfile.write(path, samples, SAMPLE_RATE, subtype="PCM_16")
    blocks = list(WavSource(path))
    assert all(len(b) == BLOCK_BYTES for b in blocks)
    joined = np.frombuffer(b"".join(blocks), dtype="<i2")
    assert len(blocks) == -(-len(samples) // audio.BLOCK_SAMPLES)
    assert np.array_equal(joined[: len(samples)], samples)
    assert not joined[len(samples) :].any()  # zero padding only
    assert np.array_equal(read_wav(path), samples)


@pytest.mark.parametrize(
    ("subtype", "rate", "channels"),
    [
        ("PCM_U8", 8000, 1),
        ("PCM_16", 44100, 2),
        ("PCM_24", 48000, 1),
        ("PCM_32", 22050, 2),
        ("FLOAT", 32000, 1),
        ("DOUBLE", 11025, 1),
        ("ULAW", 8000, 1),
    ],
)
def test_every_wav_variant_becomes_16k_mono_with_pitch_and_level_kept(
    tmp_path, subtype, rate, channels
):
    tone = _tone(440.0, 1.0, rate)
    data = np.stack([tone] * channels, axis=1) if channels > 1 else tone
    path = tmp_path / f"{subtype}.wav"
    soundfile.write(path, data, rate, subtype=subtype)
    out = read_wav(path)
    assert out.dtype == np.int16
    assert abs(len(out) - SAMPLE_RATE) <= 2
    middle = out[2000:-2000]
    assert abs(_dominant_hz(middle) - 440.0) < 3
    peak = np.abs(middle).max() / 32768
    assert 0.45 < peak < 0.55


def test_stereo_is_averaged_not_one_channel_taken(tmp_path):
    left = _tone(440.0, 0.5, SAMPLE_RATE)
    path = tmp_path / "left-only.wav"
    soundfile.write(path, np.stack([left, np.zeros_like(left)], axis=1), SAMPLE_RATE)
    peak = np.abs(read_wav(path)).max() / 32768
    assert 0.23 < peak < 0.27


def test_resampling_filters_instead_of_dropping_samples(tmp_path):
    """A 10 kHz tone cannot exist at 16 kHz; dropping samples would fold it down to 6 kHz."""
    path = tmp_path / "high.wav"
    soundfile.write(path, _tone(10000.0, 0.5, 48000), 48000, subtype="PCM_16")
    out = read_wav(path).astype(np.float64)
    assert np.sqrt(np.mean(out**2)) < 0.01 * 32768 * 0.5
    kept = tmp_path / "in-band.wav"
    soundfile.write(kept, _tone(7000.0, 0.5, 48000), 48000, subtype="PCM_16")
    middle = read_wav(kept)[1000:-1000]
    assert abs(_dominant_hz(middle) - 7000.0) < 40


def _wav_bytes(tmp_path) -> bytes:
    path = tmp_path / "ok.wav"
    soundfile.write(path, _tone(300.0, 0.5, SAMPLE_RATE), SAMPLE_RATE, subtype="PCM_16")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("missing.wav", None, "does not exist"),
        ("empty.wav", lambda ok: b"", "is empty"),
        ("text.wav", lambda ok: b"these are words, not audio\n" * 20, "not a readable WAV"),
        ("header.wav", lambda ok: ok[:30], "truncated"),
        ("cut.wav", lambda ok: ok[: len(ok) // 2], "truncated"),
        ("nodata.wav", lambda ok: ok[:44][:40] + (0).to_bytes(4, "little"), "no audio"),
    ],
)
def test_bad_files_give_one_line_naming_the_file(tmp_path, name, make, expected):
    path = tmp_path / name
    if make is not None:
        path.write_bytes(make(_wav_bytes(tmp_path)))
    with pytest.raises(UserError) as err:
        list(WavSource(path))
    message = str(err.value)
    assert str(path) in message and expected in message
    assert "\n" not in message


def test_other_formats_and_folders_are_refused(tmp_path):
    flac = tmp_path / "speech.flac"
    soundfile.write(flac, _tone(300.0, 0.2, SAMPLE_RATE), SAMPLE_RATE)
    with pytest.raises(UserError, match="FLAC file; please give a WAV"):
        WavSource(flac)
    with pytest.raises(UserError, match="is a folder"):
        WavSource(tmp_path)


def test_stdin_source_reads_raw_pcm_in_blocks():
    raw = Path(GOFORWARD_RAW).read_bytes()
    blocks = list(StdinSource(io.BytesIO(raw)))
    assert all(len(b) == BLOCK_BYTES for b in blocks)
    joined = b"".join(blocks)
    assert joined[: len(raw)] == raw and not joined[len(raw) :].strip(b"\0")


def test_stdin_source_reassembles_short_reads_from_a_real_pipe():
    raw = Path(GOFORWARD_RAW).read_bytes()
    read_fd, write_fd = os.pipe()

    def writer() -> None:
        with os.fdopen(write_fd, "wb", buffering=0) as out:
            for start in range(0, len(raw), 333):  # odd-sized pieces, like a slow producer
                out.write(raw[start : start + 333])

    thread = threading.Thread(target=writer)
    thread.start()
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        blocks = list(StdinSource(pipe))
    thread.join()
    assert all(len(b) == BLOCK_BYTES for b in blocks)
    assert b"".join(blocks)[: len(raw)] == raw


def test_stdin_ending_mid_sample_is_reported():
    with pytest.raises(UserError, match="halfway through a sample"):
        list(StdinSource(io.BytesIO(b"\x01\x02\x03")))


def test_microphone_missing_is_a_clear_user_error():
    sd = pytest.importorskip("sounddevice")
    try:
        sd.query_devices(kind="input")
    except (ValueError, sd.PortAudioError):
        pass
    else:
        pytest.skip("this machine has an audio input device")
    with pytest.raises(UserError, match="no microphone") as err:
        audio.MicSource()
    assert "\n" not in str(err.value)


class _FakeSoundDevice:
    """sounddevice without a device: PortAudio cannot run here. The stream delivers nothing
    by itself; the test puts blocks in as PortAudio's callback would."""

    class PortAudioError(Exception):
        pass

    def query_devices(self, device=None, kind=None):
        return {"name": "Fake mic", "default_samplerate": 16000}

    class RawInputStream:
        def __init__(self, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False


def test_microphone_discards_what_it_heard_while_the_app_spoke(monkeypatch):
    monkeypatch.setattr(audio, "_import_sounddevice", _FakeSoundDevice)
    own_voice, reply = b"\x01\x00" * 480, b"\x02\x00" * 480
    mic = audio.MicSource()
    for _ in range(3):
        mic._put(own_voice)
    mic.discard_pending()
    mic._put(reply)
    mic._put(None)  # the end of the stream
    assert b"".join(mic).rstrip(b"\0") == reply.rstrip(b"\0")

    mic = audio.MicSource()
    mic._put(own_voice)
    mic._put(None)
    mic.discard_pending()  # the end of the stream survives it: the iteration still ends
    assert b"".join(mic) == b""
