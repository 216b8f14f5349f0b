import numpy as np
import pytest

from voice_cecert.errors import UserError
from voice_cecert.tones import CUE_KINDS, cue_samples

RATE = 22050


def crossings(x: np.ndarray) -> int:
    return int(np.count_nonzero(np.diff(np.signbit(x))))


@pytest.mark.parametrize("kind", CUE_KINDS)
@pytest.mark.parametrize("seconds", [0.3, 4.0])
def test_length_follows_seconds_and_edges_are_silent_without_clicks(kind, seconds):
    x = cue_samples(kind, seconds, RATE)
    assert x.dtype == np.float32
    assert len(x) == round(seconds * RATE)
    assert abs(x[0]) < 1e-6 and abs(x[-1]) < 1e-3
    assert 0.05 < np.max(np.abs(x)) <= 0.35  # audible but soft, never near clipping
    assert np.max(np.abs(np.diff(x))) < 0.1  # a click would be a jump to full level (~0.3)


def test_inhale_rises_exhale_falls_hold_is_steady():
    third = RATE * 4 // 3
    for kind, check in [
        ("inhale", lambda a, b: b > a * 1.3),
        ("exhale", lambda a, b: a > b * 1.3),
        ("hold", lambda a, b: abs(a - b) <= 2),
    ]:
        x = cue_samples(kind, 4.0, RATE)
        first, last = crossings(x[:third]), crossings(x[-third:])
        assert check(first, last), (kind, first, last)


def test_hold_is_quieter_than_the_breathing_tones_and_chime_decays():
    assert np.max(np.abs(cue_samples("hold", 2.0))) < np.max(np.abs(cue_samples("inhale", 2.0)))
    chime = cue_samples("chime", 1.5, RATE)
    quarter = len(chime) // 4
    assert np.abs(chime[quarter // 4 : quarter]).max() > 3 * np.abs(chime[-quarter:]).max()


def test_bad_kind_or_length_is_a_one_line_user_error():
    with pytest.raises(UserError, match="unknown cue 'sneeze'"):
        cue_samples("sneeze", 1.0)
    with pytest.raises(UserError, match="must last"):
        cue_samples("inhale", 0.0)
    with pytest.raises(UserError, match="must last"):
        cue_samples("inhale", 3600)
