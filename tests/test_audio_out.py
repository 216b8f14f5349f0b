import threading

import numpy as np
import pytest

from voice_cecert.audio_out import (
    NoOutputDevice,
    RecordingPlayer,
    SoundDevicePlayer,
    chunks,
    output_device_name,
)


def test_chunks_cover_every_sample_in_short_pieces():
    samples = np.arange(22050 * 2 + 7, dtype=np.float32)
    pieces = list(chunks(samples, 22050))
    assert max(len(p) for p in pieces) == round(22050 * 0.04)
    assert np.array_equal(np.concatenate(pieces), samples)


def test_this_machine_has_no_output_device_and_says_so():
    with pytest.raises(NoOutputDevice):
        output_device_name()
    with pytest.raises(NoOutputDevice):
        SoundDevicePlayer()


def test_recording_player_stops_between_chunks():
    player = RecordingPlayer(speed=20.0)
    stop = threading.Event()
    threading.Timer(0.05, stop.set).start()
    finished = player.play(np.ones(22050 * 10, dtype=np.float32), 22050, stop)
    assert not finished
    played = len(player.lines[0][0]) / 22050
    assert 0.5 < played < 8.0  # ~1 s of audio at 20x speed in 50 ms, not all 10 s
