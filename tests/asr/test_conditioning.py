"""Conditioning: noise floor only where there is none, gain only for quiet speech."""

from __future__ import annotations

import numpy as np
import pytest

from voice_cecert import synth
from voice_cecert.asr.conditioning import MAX_GAIN, TARGET_LEVEL, Conditioner, Denoiser
from voice_cecert.asr.sphinx_engine import SphinxRecognizer
from voice_cecert.audio import BLOCK_BYTES, blocks_from_array


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def _process(conditioner: Conditioner, samples: np.ndarray) -> np.ndarray:
    out = [conditioner.process(b) for b in blocks_from_array(samples)]
    return np.frombuffer(b"".join(out), dtype="<i2")[: len(samples)]


def test_digital_silence_gets_a_faint_floor_40_db_below_speech():
    conditioner = Conditioner()
    out = _process(conditioner, np.zeros(16000, dtype=np.int16))
    assert abs(_rms(out) - TARGET_LEVEL / 100) < 3  # no speech heard yet: the target level
    # every 10 ms stretch is topped up, not just the file on average
    per_10ms = np.sqrt(np.mean(out.reshape(-1, 160).astype(np.float64) ** 2, axis=1))
    assert per_10ms.min() > 0.8 * TARGET_LEVEL / 100


def test_the_floor_follows_the_speech_level():
    conditioner = Conditioner()
    loud = (np.sin(np.arange(16000) / 3) * 8000).astype(np.int16)
    for block in blocks_from_array(loud):
        conditioner.observe_speech(block)
    conditioner.start_utterance()
    out = _process(conditioner, np.zeros(8000, dtype=np.int16))
    level = conditioner.speech_level
    assert level is not None and abs(level - _rms(loud)) / _rms(loud) < 0.05
    assert abs(_rms(out) - level / 100) / (level / 100) < 0.1


def test_audio_with_its_own_noise_floor_passes_unchanged():
    rng = np.random.default_rng(5)
    room = np.round(rng.standard_normal(16000) * 200).astype(np.int16)
    assert np.array_equal(_process(Conditioner(), room), room)


def test_the_noise_is_deterministic():
    zeros = np.zeros(4000, dtype=np.int16)
    first, again = _process(Conditioner(), zeros), _process(Conditioner(), zeros)
    assert np.array_equal(first, again)
    conditioner = Conditioner()
    one = _process(conditioner, zeros)
    conditioner.reset()
    assert np.array_equal(_process(conditioner, zeros), one)


def test_quiet_speech_is_lifted_from_the_next_utterance_on_and_loud_speech_is_not():
    speech = synth.synthesize("start a breathing break")
    quiet = (speech * 0.03).astype(np.int16)  # about -30 dB
    conditioner = Conditioner(floor_db=None)
    blocks = list(blocks_from_array(quiet))
    for block in blocks:
        conditioner.observe_speech(block)
    conditioner.start_utterance()
    assert conditioner.gain == MAX_GAIN
    lifted = np.frombuffer(b"".join(conditioner.process(b) for b in blocks), "<i2")
    assert abs(_rms(lifted) / _rms(quiet) - MAX_GAIN) < 0.1

    normal = Conditioner(floor_db=None)
    normal_blocks = list(blocks_from_array(speech))
    for block in normal_blocks:
        normal.observe_speech(block)
    normal.start_utterance()
    assert normal.gain == 1.0
    assert b"".join(normal.process(b) for b in normal_blocks) == b"".join(normal_blocks)


def test_gain_waits_for_enough_speech_and_holds_within_an_utterance():
    conditioner = Conditioner(floor_db=None)
    soft = np.full(480, 100, dtype=np.int16).tobytes()
    conditioner.observe_speech(soft)  # 30 ms of speech is not enough evidence
    conditioner.start_utterance()
    assert conditioner.gain == 1.0
    for _ in range(20):
        conditioner.observe_speech(soft)
    assert conditioner.gain == 1.0  # unchanged until the next utterance starts
    conditioner.start_utterance()
    assert conditioner.gain == MAX_GAIN


def test_the_first_utterance_gets_a_steady_floor_at_the_target_level():
    """Not one set from the soft onset frames and rising mid-utterance (first-utterance bug)."""
    conditioner = Conditioner()
    onset = np.full(480, 40, dtype=np.int16).tobytes()  # a soft onset: a level of 40
    for _ in range(3):
        conditioner.observe_speech(onset)
    conditioner.start_utterance()
    zeros = np.zeros(4800, dtype=np.int16)
    before = _rms(_process(conditioner, zeros))
    loud = np.full(480, 3000, dtype=np.int16).tobytes()
    for _ in range(10):
        conditioner.observe_speech(loud)  # the speech level estimate moves within the utterance
    after = _rms(_process(conditioner, zeros))
    assert abs(before - TARGET_LEVEL / 100) < 3 and abs(after - before) < 1


def test_loud_input_is_clipped_not_wrapped():
    conditioner = Conditioner(floor_db=None)
    soft = np.full(480, 300, dtype=np.int16).tobytes()
    for _ in range(30):
        conditioner.observe_speech(soft)
    conditioner.start_utterance()
    peak = np.full(480, 20000, dtype=np.int16).tobytes()
    out = np.frombuffer(conditioner.process(peak), "<i2")
    assert out.min() == 32767 and len(out) * 2 == BLOCK_BYTES


def test_recogniser_can_run_with_and_without_conditioning():
    samples = synth.session(["make it slower", "go back"], lead=0.5)
    for condition in (True, False):
        recognizer = SphinxRecognizer(condition=condition)
        assert (recognizer.conditioner is not None) == condition
        recognizer.set_grammar(["make it slower", "go back", "stop"])
        heard = [t.text for t in map(recognizer.feed, blocks_from_array(samples)) if t]
        assert heard == ["make it slower", "go back"]


def _utterance(conditioner: Conditioner, samples: np.ndarray, preroll: float = 0.3) -> np.ndarray:
    """Process like the recogniser does: the pre-roll in one piece, then block by block."""
    conditioner.start_utterance()
    cut = round(preroll * 16000)
    out = [conditioner.process(samples[:cut].astype("<i2").tobytes())]
    out += [conditioner.process(b) for b in blocks_from_array(samples[cut:])]
    return np.frombuffer(b"".join(out), dtype="<i2")[: len(samples)]


def test_steady_noise_is_suppressed_and_the_speech_kept():
    clean = synth.session(["start a breathing break"], lead=0.5, tail=0.6)
    noisy = synth.mix_noise(clean, 10, seed=3, kind="white")
    conditioner = Conditioner(floor_db=None, rnnoise=False)  # RNNoise: tests/asr/test_denoise.py
    out = _utterance(conditioner, noisy)
    assert conditioner.denoiser is not None and conditioner.denoiser.active()
    delay = Denoiser.FRAME
    aligned, reference = out[delay:].astype(np.float64), clean[:-delay].astype(np.float64)
    # the last 0.5 s is noise only: pulled down by more than the old -14 dB limit, never past
    # the -20 dB gain floor
    reduction = 20 * np.log10(_rms(noisy[-8000:]) / _rms(out[-8000:]))
    assert 14 < reduction < 20.5, reduction
    before = np.corrcoef(noisy[:-delay].astype(np.float64), reference)[0, 1]
    after = np.corrcoef(aligned, reference)[0, 1]
    assert after > before + 0.02, (before, after)


@pytest.mark.parametrize("kind", ["babble", "brown", "pink"])
def test_silence_and_unsteady_noise_are_passed_through(kind: str):
    clean = synth.session(["start a breathing break"], lead=0.5, tail=0.6)
    assert np.array_equal(_utterance(Conditioner(floor_db=None), clean), clean)
    noisy = synth.mix_noise(clean, 10, seed=3, kind=kind)
    conditioner = Conditioner(floor_db=None, rnnoise=False)
    assert np.array_equal(_utterance(conditioner, noisy), noisy)
    assert conditioner.denoiser is not None and not conditioner.denoiser.steady
    plain = Conditioner(floor_db=None, denoise=False, rnnoise=False)
    assert np.array_equal(_utterance(plain, noisy), noisy)


def test_the_noise_is_learned_afresh_for_each_utterance():
    """A noise that changed between utterances is not suppressed with the old spectrum."""
    clean = synth.session(["start a breathing break"], lead=0.5, tail=0.6)
    conditioner = Conditioner(floor_db=None, rnnoise=False)
    _utterance(conditioner, synth.mix_noise(clean, 10, seed=3, kind="white"))
    assert conditioner.denoiser is not None and conditioner.denoiser.active()
    babble = synth.mix_noise(clean, 10, seed=3, kind="babble")
    assert np.array_equal(_utterance(conditioner, babble), babble)
    quiet = synth.mix_noise(clean, 10, seed=3, kind="white") // 40  # a far quieter hiss
    _utterance(conditioner, quiet)
    loud_psd = Denoiser()
    loud_psd.learn(synth.mix_noise(clean, 10, seed=3, kind="white")[:4000].astype(float), 1.0)
    assert loud_psd.noise_psd is not None and conditioner.denoiser.noise_psd is not None
    ratio = float(np.mean(loud_psd.noise_psd) / np.mean(conditioner.denoiser.noise_psd))
    assert 1000 < ratio < 2500, ratio  # 40^2 = 1600: the quiet hiss alone, not a blend
