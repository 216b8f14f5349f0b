import os
import stat
import wave

import numpy as np
import pytest

from voice_cecert.atomic_write import write_bytes_atomic, write_wav_atomic


def test_writes_privately_and_replaces_whole(tmp_path):
    target = tmp_path / "sub" / "f.txt"
    write_bytes_atomic(target, b"one")
    write_bytes_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert os.listdir(target.parent) == ["f.txt"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "f.txt"
    write_bytes_atomic(target, b"old")
    with pytest.raises(TypeError):
        write_bytes_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_wav_is_16_bit_mono_and_clips_instead_of_wrapping(tmp_path):
    path = write_wav_atomic(tmp_path / "a.wav", np.array([0.0, 0.5, 2.0, -2.0]), 16000)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        pcm = np.frombuffer(w.readframes(4), dtype="<i2")
    assert pcm.tolist() == [0, 16384, 32767, -32767]
