"""The shared endpointer on synthesised sessions whose speech positions are known."""

from __future__ import annotations

import numpy as np
import pytest

from voice_cecert import synth
from voice_cecert.audio import BLOCK_BYTES, BLOCK_SAMPLES, blocks_from_array
from voice_cecert.vad import Endpointer

FRAME = BLOCK_SAMPLES / 16000


def _run(samples: np.ndarray, **options) -> tuple[list[tuple[float, float]], list, list[int]]:
    """(utterance spans, steps, frame index at which each utterance ended)."""
    ep = Endpointer(**options)
    spans, steps, fired = [], [], []
    for index, block in enumerate(blocks_from_array(samples)):
        step = ep.push(block)
        steps.append(step)
        if step.ended:
            spans.append(step.ended)
            fired.append(index)
    tail = ep.finish()
    if tail:
        spans.append(tail)
    return spans, steps, fired


@pytest.fixture(scope="module")
def two_commands():
    return synth.session_with_marks(["stop", 1.5, "start a breathing break"], lead=1.0, tail=1.5)


def test_finds_each_utterance_where_the_speech_is(two_commands):
    samples, marks = two_commands
    spans, _, _ = _run(samples)
    assert len(spans) == 2
    for (start, end), mark in zip(spans, marks, strict=True):
        assert abs(start - mark.start) < 0.1, (start, mark)
        assert abs(end - mark.end) < 0.15, (end, mark)


def test_ends_after_the_configured_trailing_silence(two_commands):
    samples, marks = two_commands
    for silence in (0.3, 0.6, 1.0):
        _, _, fired = _run(samples, trailing_silence=silence)
        waited = (fired[0] + 1) * FRAME - marks[0].end
        assert silence - 0.05 < waited < silence + 0.2, (silence, waited)


def test_a_pause_shorter_than_the_trailing_silence_keeps_one_utterance():
    samples = synth.session(["breathe in", 0.4, "breathe out"], lead=0.6, tail=1.2)
    assert len(_run(samples, trailing_silence=0.8)[0]) == 1
    assert len(_run(samples, trailing_silence=0.25)[0]) == 2


def test_preroll_hands_over_audio_from_before_the_first_speech_frame(two_commands):
    samples, _ = two_commands
    _, steps, _ = _run(samples, preroll=0.3)
    opened = next(s for s in steps if s.started is not None)
    # pre-roll (10 frames) plus the onset frames that confirmed speech
    assert len(opened.audio) >= 10 * BLOCK_BYTES + 3 * BLOCK_BYTES
    before = round(opened.started * 16000)
    handed = np.frombuffer(opened.audio, dtype="<i2")
    assert np.array_equal(
        handed[: 10 * BLOCK_SAMPLES], samples[before - 10 * BLOCK_SAMPLES : before]
    )


def test_an_utterance_hands_over_one_contiguous_stretch_of_the_stream(two_commands):
    """Pre-roll, the speech, and only `decode_tail` of the closing silence."""
    samples, marks = two_commands
    _, steps, fired = _run(samples, preroll=0.3, decode_tail=0.3)
    opened = next(i for i, s in enumerate(steps) if s.started is not None)
    handed = np.frombuffer(b"".join(s.audio for s in steps[opened : fired[0] + 1]), "<i2")
    first = (round(steps[opened].started / FRAME) - 10) * BLOCK_SAMPLES
    assert np.array_equal(handed, samples[first : first + len(handed)])
    handed_until = (first + len(handed)) / 16000
    assert marks[0].end + 0.3 <= handed_until <= marks[0].end + 0.3 + 0.3
    assert (fired[0] + 1) * FRAME > handed_until + 0.2  # the rest of the wait was held back
    assert not any(s.audio for s in steps[fired[0] + 1 : fired[0] + 5])


def test_a_pause_within_an_utterance_is_handed_over_in_full():
    samples, marks = synth.session_with_marks(["breathe in", 0.5, "breathe out"], lead=0.6)
    spans, steps, _ = _run(samples, trailing_silence=0.8, decode_tail=0.2)
    assert len(spans) == 1
    handed = np.frombuffer(b"".join(s.audio for s in steps), "<i2")
    first = round(spans[0][0] / FRAME) * BLOCK_SAMPLES - 10 * BLOCK_SAMPLES
    assert np.array_equal(handed, samples[first : first + len(handed)])
    assert (first + len(handed)) / 16000 > marks[1].end


@pytest.mark.parametrize("kind", ["white", "pink", "brown", "babble"])
def test_utterances_are_still_cut_in_steady_noise_at_10_db_snr(two_commands, kind):
    """pocketsphinx's Vad alone calls such noise speech throughout; the noise gate fixes it."""
    samples, marks = two_commands
    spans, _, _ = _run(synth.mix_noise(samples, 10, seed=2, kind=kind))
    assert len(spans) == 2, spans
    for (start, end), mark in zip(spans, marks, strict=True):
        assert abs(start - mark.start) < 0.3 and abs(end - mark.end) < 0.45


@pytest.mark.parametrize("kind", ["white", "pink", "babble"])
def test_a_noise_starting_after_silence_is_learned_within_the_noise_window(kind):
    """A fan switched on 30 dB above a quiet room must not hold an utterance open for long."""
    quiet = synth.noise("pink", 16000 * 20, seed=9) * 30
    quiet[16000 * 3 :] += synth.noise(kind, 16000 * 17, seed=10) * 30 * 10 ** (30 / 20)
    samples = np.round(quiet).astype(np.int16)
    spans, _, _ = _run(samples, max_utterance=60.0)  # noise_window 3 s
    assert spans and max(end - start for start, end in spans) < 5.0, spans  # was 15-16 s
    # and speech in that noise is still found once the background was learned
    speech, marks = synth.session_with_marks(["start a breathing break"], lead=0.5, tail=1.5)
    noise_power = float(np.mean(quiet[16000 * 4 :] ** 2))
    scale = np.sqrt(noise_power * 10 / synth.speech_power(speech))  # 10 dB SNR
    noisy = quiet.copy()
    noisy[16000 * 8 : 16000 * 8 + len(speech)] += speech * scale
    found, _, _ = _run(np.round(noisy).astype(np.int16), max_utterance=60.0)
    start, end = found[-1]
    assert abs(start - 8 - marks[0].start) < 0.3 and abs(end - 8 - marks[0].end) < 0.45, found


def test_new_stream_forgets_the_background_of_the_old_one():
    loud = np.round(synth.noise("white", 16000 * 2, seed=1) * 3000).astype(np.int16)
    speech, marks = synth.session_with_marks(["stop"], lead=0.05, tail=1.0)
    ep = Endpointer()
    for block in blocks_from_array(loud):
        ep.push(block)
    ep.new_stream()
    ended = [s.ended for s in map(ep.push, blocks_from_array(speech)) if s.ended]
    assert len(ended) == 1 and abs(ended[0][0] - 2.0 - marks[0].start) < 0.1, ended
    assert abs(ended[0][1] - 2.0 - marks[0].end) < 0.15, ended
    # without it, the loud background of the old stream hides the start of the new speech
    ep = Endpointer()
    for block in blocks_from_array(loud):
        ep.push(block)
    ep.reset()
    kept = [s.ended for s in map(ep.push, blocks_from_array(speech)) if s.ended]
    assert kept != ended


def test_silence_and_faint_noise_are_not_speech():
    quiet = np.round(synth.noise("pink", 16000 * 3, seed=3) * 30).astype(np.int16)  # ~-60 dBFS
    assert _run(np.zeros(16000 * 3, dtype=np.int16))[0] == []
    assert _run(quiet)[0] == []


def test_a_click_does_not_count_as_an_utterance():
    samples = np.zeros(16000 * 2, dtype=np.int16)
    samples[16000 : 16000 + 40] = 20000  # 2.5 ms impulse
    assert _run(samples)[0] == []
    # even when the noise gate is off and the Vad holds the click for several frames
    spans, steps, _ = _run(samples, noise_margin_db=None)
    assert spans == [] and any(s.dropped for s in steps)
    word = synth.session(["no"], lead=0.5, tail=1.0)
    assert len(_run(word)[0]) == 1  # while a short word still does


def test_long_speech_is_cut_at_max_utterance():
    text = "and then i kept thinking about what happened in the session over and over again"
    samples = synth.session([text], speed=0.6, lead=0.5, tail=1.0)
    spans, _, _ = _run(samples, max_utterance=2.0, trailing_silence=1.0)
    assert len(spans) >= 2
    assert all(end - start <= 2.0 + FRAME for start, end in spans)


def test_reset_drops_the_utterance_in_progress(two_commands):
    samples, marks = two_commands
    ep = Endpointer()
    cut = round((marks[0].start + 0.2) * 16000) // BLOCK_SAMPLES
    for index, block in enumerate(blocks_from_array(samples)):
        ep.push(block)
        if index == cut:
            assert ep.in_speech
            ep.reset()
            assert not ep.in_speech
            break
    assert ep.finish() is None


def test_wrong_frame_size_and_settings_are_refused():
    ep = Endpointer()
    with pytest.raises(ValueError, match="960 bytes"):
        ep.push(b"\0" * 100)
    with pytest.raises(ValueError):
        Endpointer(trailing_silence=0)
    with pytest.raises(ValueError):
        Endpointer(onset_frames=6, onset_window=5)
