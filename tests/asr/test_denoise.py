"""RNNoise in front of recognition: it must really clean noisy speech, stream exactly, and stay
out of the way of noise it makes worse."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from voice_cecert import synth
from voice_cecert.asr.conditioning import Conditioner
from voice_cecert.asr.denoise import DELAY, LAG, RNNoiseFilter, suits
from voice_cecert.asr.sphinx_engine import SphinxRecognizer
from voice_cecert.audio import blocks_from_array


@functools.cache
def _clean() -> np.ndarray:
    return synth.session(["start a breathing break"], lead=0.5, tail=0.6)


def _snr_db(reference: np.ndarray, signal: np.ndarray) -> float:
    """SNR of `signal` against the best-scaled `reference` (what is not the speech is noise)."""
    ref, sig = reference.astype(np.float64), signal.astype(np.float64)
    speech = ref * (np.dot(ref, sig) / np.dot(ref, ref))
    return float(10 * np.log10(np.sum(speech**2) / np.sum((sig - speech) ** 2)))


@pytest.mark.parametrize("kind", ["white", "pink"])
def test_noisy_speech_comes_out_much_cleaner(kind: str):
    clean = _clean()
    noisy = synth.mix_noise(clean, 5, seed=3, kind=kind)
    out = RNNoiseFilter().process(noisy)
    assert len(out) == len(noisy) - DELAY
    before = _snr_db(clean, noisy)
    after = _snr_db(clean[: len(out) - LAG], out[LAG:])
    assert after > before + 6, (before, after)


def test_the_speech_comes_out_at_the_stated_delay():
    clean = _clean()
    out = RNNoiseFilter().process(synth.mix_noise(clean, 10, seed=3, kind="pink"))
    n = 20000
    lags = np.correlate(out[:n].astype(np.float64), clean[:n].astype(np.float64), "full")
    assert abs(int(np.argmax(lags)) - (n - 1) - LAG) <= 2  # the stream's time base is kept


def test_block_by_block_equals_all_at_once():
    noisy = synth.mix_noise(_clean(), 5, seed=3, kind="white")
    whole = RNNoiseFilter().process(noisy)
    for size in (480, 77):
        stream = RNNoiseFilter()
        parts = [stream.process(noisy[k : k + size]) for k in range(0, len(noisy), size)]
        # the output is the input less its last DELAY samples, at every call
        given = np.cumsum([len(noisy[k : k + size]) for k in range(0, len(noisy), size)])
        assert list(np.cumsum([len(p) for p in parts])) == list(np.maximum(given - DELAY, 0))
        assert np.array_equal(np.concatenate(parts), whole)
    again = RNNoiseFilter()
    again.process(synth.mix_noise(_clean(), 5, seed=9, kind="babble"))
    again.reset()
    assert np.array_equal(again.process(noisy), whole)


def test_reset_forgets_the_noise_heard_before():
    noisy = synth.mix_noise(_clean(), 10, seed=3, kind="pink")
    pre_roll = noisy[:4800]
    fresh = RNNoiseFilter().process(pre_roll)
    denoiser = RNNoiseFilter()
    denoiser.process(noisy[-16000:])
    denoiser.reset()
    assert np.array_equal(denoiser.process(pre_roll), fresh)
    assert len(fresh) == len(pre_roll) - DELAY


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def _pre_roll(kind: str) -> tuple[np.ndarray, list[float]]:
    noisy = synth.mix_noise(_clean(), 10, seed=3, kind=kind)[:4800]
    denoiser = RNNoiseFilter()
    denoiser.process(noisy)
    return noisy, denoiser.probabilities


@pytest.mark.parametrize(
    ("kind", "used"), [("white", True), ("pink", True), ("babble", False), ("brown", False)]
)
def test_it_is_used_on_hiss_but_not_on_talk_or_rumble(kind: str, used: bool):
    assert suits(*_pre_roll(kind), speech_level=2500.0) is used


def test_a_quiet_room_is_left_alone():
    """Noise 30 dB under the speech is not worth RNNoise's changes; 10 dB under it is."""
    clean = _clean()
    level = float(np.sqrt(synth.speech_power(clean)))
    for snr, used in ((30, False), (10, True)):
        noisy = synth.mix_noise(clean, snr, seed=3, kind="white")[:4800]
        denoiser = RNNoiseFilter()
        denoiser.process(noisy)
        assert suits(noisy, denoiser.probabilities, speech_level=level) is used


def test_digital_silence_is_left_alone():
    assert not suits(np.zeros(4800), [0.0] * 30, speech_level=2500.0)
    clean = _clean()
    conditioner = Conditioner(floor_db=None, denoise=False)
    conditioner.start_utterance()
    out = [conditioner.process(clean[:4800].tobytes())]
    out += [conditioner.process(b) for b in blocks_from_array(clean[4800:])]
    assert not conditioner.rnnoise_on
    assert np.array_equal(np.frombuffer(b"".join(out), "<i2")[: len(clean)], clean)


GRAMMAR = ["start a breathing break", "make it slower", "go back", "stop", "something for recovery"]


def _decode(samples: np.ndarray, rnnoise: bool) -> tuple[list[str], bool]:
    recognizer = SphinxRecognizer()
    recognizer.conditioner = Conditioner(floor_db=recognizer.floor_db, rnnoise=rnnoise)
    recognizer.set_grammar(GRAMMAR)
    heard = [t.text for t in map(recognizer.feed, blocks_from_array(samples)) if t]
    final = recognizer.flush()
    return heard + ([final.text] if final else []), recognizer.conditioner.rnnoise_on


CASES = [
    ("flite:slt", "make it slower"),
    ("flite:rms", "start a breathing break"),
    ("flite:rms", "something for recovery"),
    ("espeak:en-us", "something for recovery"),
]


def test_commands_in_loud_hiss_are_heard_with_rnnoise_where_the_plain_path_loses_them():
    plain = cleaned = 0
    for voice, text in CASES:
        clean = synth.session([text], voice=voice, lead=0.8, tail=0.8)
        noisy = synth.mix_noise(clean, 5, seed=1, kind="pink")
        plain += _decode(noisy, rnnoise=False)[0] == [text]
        heard, used = _decode(noisy, rnnoise=True)
        assert used
        cleaned += heard == [text]
    assert cleaned >= 3 and plain <= 1, (cleaned, plain)  # measured: 4 and 0


def test_without_an_rnnoise_build_the_wiener_gain_serves(monkeypatch):
    """macOS has no pyrnnoise wheel: the app must still start, and condition as with RNNoise
    turned off, rather than fail."""
    import importlib.util

    from voice_cecert.asr import conditioning, denoise

    monkeypatch.setattr(denoise, "_lib", None)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert not denoise.available()
    without = conditioning.Conditioner(floor_db=None)
    assert without.rnnoise is None
    clean = synth.session(["start a breathing break"], lead=0.5, tail=0.6)
    noisy = synth.mix_noise(clean, 5, seed=3, kind="white")
    pcm = synth.to_bytes(noisy)
    off = conditioning.Conditioner(floor_db=None, rnnoise=False)
    for conditioner in (without, off):
        conditioner.start_utterance()
    assert without.process(pcm) == off.process(pcm)
    assert without.process(pcm) != pcm  # the Wiener gain did work on it
