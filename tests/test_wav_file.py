import os
import stat
import wave

import numpy as np

from voice_cecert.wav_file import write_wav_atomic


def test_wav_is_private_16_bit_mono_and_clips_instead_of_wrapping(tmp_path):
    path = write_wav_atomic(tmp_path / "a.wav", np.array([0.0, 0.5, 2.0, -2.0]), 16000)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        pcm = np.frombuffer(w.readframes(4), dtype="<i2")
    assert pcm.tolist() == [0, 16384, 32767, -32767]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["a.wav"]
