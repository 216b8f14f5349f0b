"""The test-speech synthesiser runs the real flite and espeak-ng here; these tests check that what
other tests and benchmarks build on (durations, marks, SNR, determinism) is actually true."""

from __future__ import annotations

import numpy as np
import pytest

from voice_cecert import synth
from voice_cecert.errors import UserError

RATE = synth.RATE


def _active_db(audio: np.ndarray, frame: int = 160) -> np.ndarray:
    n = len(audio) // frame
    frames = audio[: n * frame].astype(np.float64).reshape(n, frame)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-9)


@pytest.mark.parametrize("voice", synth.VOICES)
def test_every_listed_voice_speaks_with_a_sane_duration(voice):
    audio = synth.synthesize("start a breathing break", voice)
    assert audio.dtype == np.int16 and audio.ndim == 1
    # four words at a normal rate: roughly 0.7 to 2.5 seconds
    assert 0.7 < len(audio) / RATE < 2.5
    assert np.abs(audio).max() > 3000  # audible, not a near-silent file


def test_families_and_unknown_voices():
    assert synth.voice_family("flite:kal16") == "flite"
    assert synth.voice_family("espeak:en+m3") == "espeak"
    assert {synth.voice_family(v) for v in synth.VOICES} == {"flite", "espeak"}
    with pytest.raises(UserError):
        synth.voice_family("festival:kal")
    with pytest.raises(UserError, match="no voice"):
        synth.synthesize("hello", "flite:nobody")
    with pytest.raises(UserError, match="does not exist"):
        synth.synthesize("hello", "espeak:zz-nobody")


def test_bad_text_and_speed_are_user_errors():
    with pytest.raises(UserError):
        synth.synthesize("   ")
    with pytest.raises(UserError):
        synth.synthesize("hello", speed=0)


def test_missing_tool_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("VOICE_CECERT_SYNTH_CACHE", raising=False)  # no cached clip to find
    monkeypatch.setattr(synth, "_cache_dir", None)
    monkeypatch.setenv("PATH", "/nonexistent")
    synth._cached.cache_clear()
    with pytest.raises(UserError, match="flite is not installed"):
        synth.synthesize("a phrase never synthesised before in this run", "flite:slt")


@pytest.mark.parametrize("voice", ["flite:rms", "espeak:en-us"])
def test_speed_changes_duration_in_proportion(voice):
    text = "make it three minutes please"
    slow, normal, fast = (len(synth.synthesize(text, voice, s)) for s in (0.8, 1.0, 1.25))
    assert slow > normal > fast
    assert 1.1 < slow / normal < 1.45
    assert 1.1 < normal / fast < 1.45


def test_clip_is_trimmed_to_speech_plus_margin():
    audio = synth.synthesize("stop", "flite:awb")
    db = _active_db(audio)
    loud = np.flatnonzero(db > db.max() - 45)
    margin_frames = synth.MARGIN * RATE / 160
    assert loud[0] <= margin_frames + 1
    assert len(db) - 1 - loud[-1] <= margin_frames + 1


def test_synthesis_is_cached_and_copies_are_independent():
    a = synth.synthesize("pause for a moment", "flite:slt")
    a[:] = 0
    b = synth.synthesize("pause for a moment", "flite:slt")
    assert np.abs(b).max() > 0


def test_disk_cache_round_trips(tmp_path):
    synth.set_cache_dir(tmp_path)
    try:
        synth._cached.cache_clear()
        first = synth.synthesize("the disk cache works", "espeak:en+m3", 1.1)
        assert len(list(tmp_path.glob("*.wav"))) == 1
        synth._cached.cache_clear()
        again = synth.synthesize("the disk cache works", "espeak:en+m3", 1.1)
        np.testing.assert_array_equal(first, again)
    finally:
        synth.set_cache_dir(None)
        synth._cached.cache_clear()


def test_silence():
    assert len(synth.silence(0.25)) == 4000
    assert not synth.silence(0.25).any()
    with pytest.raises(UserError):
        synth.silence(-1)


def test_session_marks_line_up_with_speech():
    parts = ["start a breathing break", 2.0, "slower", "stop"]
    audio, marks = synth.session_with_marks(parts, voice="flite:kal16", lead=0.7, tail=1.5)
    assert [m.text for m in marks] == ["start a breathing break", "slower", "stop"]
    assert marks[0].start == pytest.approx(0.7 + synth.MARGIN, abs=0.002)
    assert marks[1].start - marks[0].end == pytest.approx(2.0 + 2 * synth.MARGIN, abs=0.002)
    assert marks[2].start - marks[1].end == pytest.approx(synth.GAP + 2 * synth.MARGIN, abs=0.002)
    assert len(audio) / RATE == pytest.approx(marks[-1].end + synth.MARGIN + 1.5, abs=0.002)
    outside = np.ones(len(audio), bool)
    for m in marks:
        lo, hi = round((m.start - synth.MARGIN) * RATE), round((m.end + synth.MARGIN) * RATE)
        outside[lo:hi] = False
        db = _active_db(audio[lo:hi])  # 10 ms frames of this clip alone
        loud = np.flatnonzero(db > db.max() - 45)
        # speech begins within the first 10 ms after the mark's start, ends within 10 ms of its end
        assert loud[0] * 0.01 - synth.MARGIN <= 0.011
        assert len(db) * 0.01 - (loud[-1] + 1) * 0.01 - synth.MARGIN <= 0.011
    assert not audio[outside].any(), "sound outside every utterance's marks"
    assert np.array_equal(synth.session(parts, "flite:kal16", lead=0.7, tail=1.5), audio)


def test_session_rejects_other_parts():
    with pytest.raises(UserError):
        synth.session(["hello", None])


@pytest.mark.parametrize("kind", synth.NOISE_KINDS)
@pytest.mark.parametrize("snr", [10.0, 5.0, 0.0])
def test_mixed_noise_has_the_requested_snr(kind, snr):
    audio = synth.session(["tell me about rumination", 1.0, "yes"], "flite:rms")
    mixed = synth.mix_noise(audio, snr, seed=3, kind=kind)
    added = mixed.astype(np.float64) - audio
    # measured independently: speech-active frames of the clean audio vs. the added noise
    db = _active_db(audio, 320)
    frames = audio[: len(db) * 320].astype(np.float64).reshape(len(db), 320)
    speech = np.mean(frames[db > db.max() - 40] ** 2)
    measured = 10 * np.log10(speech / np.mean(added**2))
    assert measured == pytest.approx(snr, abs=0.5)


def test_noise_is_deterministic_by_seed_and_kinds_differ():
    audio = synth.synthesize("resume", "flite:slt")
    a = synth.mix_noise(audio, 5, seed=1, kind="pink")
    np.testing.assert_array_equal(a, synth.mix_noise(audio, 5, seed=1, kind="pink"))
    assert not np.array_equal(a, synth.mix_noise(audio, 5, seed=2, kind="pink"))
    assert not np.array_equal(a, synth.mix_noise(audio, 5, seed=1, kind="white"))
    with pytest.raises(UserError):
        synth.mix_noise(audio, 5, kind="rain")
    with pytest.raises(UserError):
        synth.mix_noise(synth.silence(1.0), 5)


def test_pink_noise_has_more_low_than_high_energy():
    n = synth.noise("pink", RATE * 2, seed=0)
    spec = np.abs(np.fft.rfft(n)) ** 2
    f = np.fft.rfftfreq(len(n), 1 / RATE)
    low = spec[(f > 100) & (f < 500)].mean()
    high = spec[(f > 4000) & (f < 8000)].mean()
    assert low > 5 * high
    assert np.mean(n**2) == pytest.approx(1.0, rel=1e-6)


def test_wav_round_trip_and_resampling(tmp_path):
    audio = synth.synthesize("goodbye", "espeak:en-gb+f2")
    path = tmp_path / "a.wav"
    synth.write_wav(path, audio)
    np.testing.assert_array_equal(synth.read_wav(path), audio)
    synth.write_wav(tmp_path / "b.wav", audio, rate=8000)  # same samples declared at 8 kHz
    assert len(synth.read_wav(tmp_path / "b.wav")) == pytest.approx(2 * len(audio), abs=2)
    with pytest.raises(UserError):
        synth.write_wav(path, audio.astype(np.float32))
    (tmp_path / "bad.wav").write_bytes(b"not a wav")
    with pytest.raises(UserError):
        synth.read_wav(tmp_path / "bad.wav")


def test_to_bytes_is_little_endian_pcm():
    audio = np.array([1, -2, 300], dtype=np.int16)
    assert synth.to_bytes(audio) == b"\x01\x00\xfe\xff\x2c\x01"
