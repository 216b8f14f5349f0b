"""Speakers with real pyttsx3/espeak-ng synthesis; only the sound card is a RecordingPlayer."""

import io
import os
import stat
import threading
import time
import wave

import numpy as np
import pytest

from voice_cecert import speech
from voice_cecert.audio_out import RecordingPlayer
from voice_cecert.clock import FakeClock
from voice_cecert.config import Settings
from voice_cecert.errors import UserError
from voice_cecert.speech import (
    Pyttsx3Speaker,
    Speaker,
    TextSpeaker,
    WavSpeaker,
    cue_seconds,
    make_speaker,
)

LONG = "Let your shoulders drop and notice the weight of your body in the chair, slowly, slowly."


def crossings(x):
    return int(np.count_nonzero(np.diff(np.signbit(x))))


def read_wav(path):
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return data.astype(np.float32) / 32768.0, w.getframerate()


def test_all_speakers_meet_the_protocol(tmp_path):
    voice = Pyttsx3Speaker(player=RecordingPlayer())
    wav = WavSpeaker(tmp_path / "a.wav", FakeClock())
    for spk in (voice, wav, TextSpeaker(io.StringIO())):
        assert isinstance(spk, Speaker)
        assert spk.speaking is False


def test_voice_speaker_hands_real_speech_to_the_player():
    player = RecordingPlayer()
    spk = Pyttsx3Speaker(player=player)
    spk.say("Breathe in.")
    spk.say(LONG)
    (short, rate), (long_, rate2) = player.lines
    assert rate == rate2 == 22050
    assert 0.3 < len(short) / rate < 2.0
    assert len(long_) > 3 * len(short)  # real synthesis: length follows the text
    voiced = np.sqrt(np.mean(short**2))
    assert voiced > 0.02 and np.max(np.abs(long_)) <= 0.9 + 1e-6  # volume 0.9 caps the peak


def test_set_voice_changes_the_real_speech_and_lists_english_voices():
    player = RecordingPlayer()
    spk = Pyttsx3Speaker(player=player)
    voices = spk.voices()
    assert "gmw/en-us" in voices and all("/en" in v for v in voices)
    spk.set_voice("gmw/en-us")
    spk.say("Breathe in slowly.")
    spk.set_voice("gmw/en-gb-scotland")
    spk.say("Breathe in slowly.")
    (first, _), (second, _) = player.lines
    same_length = min(len(first), len(second))
    assert len(first) != len(second) or not np.allclose(first[:same_length], second[:same_length])
    with pytest.raises(UserError, match="unknown voice"):
        spk.set_voice("no-such-voice")
    assert TextSpeaker(io.StringIO()).voices() == ()


def test_speaking_is_true_exactly_while_audio_goes_out():
    player = RecordingPlayer()
    spk = Pyttsx3Speaker(player=player)
    seen = []
    player.on_play.append(lambda: seen.append(spk.speaking))
    assert not spk.speaking
    spk.say("hello")
    assert seen == [True] and not spk.speaking


def test_stop_from_another_thread_cuts_the_line_mid_word():
    player = RecordingPlayer(speed=1.0)  # plays in real time, like a sound card
    spk = Pyttsx3Speaker(player=player)
    threading.Timer(0.3, spk.stop).start()
    started = time.perf_counter()
    spk.say(LONG)
    elapsed = time.perf_counter() - started
    played, rate = player.lines[0]
    assert elapsed < 1.5  # generous: the machine may be busy; the line lasts ~5 s
    assert 0.15 < len(played) / rate < 1.2  # about 0.3 s of the line went out
    assert not spk.speaking
    spk.say("again")  # a new line after stop() plays in full
    assert len(player.lines[1][0]) / rate > 0.3


def test_rate_and_volume_factors():
    player = RecordingPlayer()
    spk = Pyttsx3Speaker(player=player, volume=0.8)
    spk.set_rate(0.5)
    spk.say(LONG)
    spk.set_rate(2.0)
    spk.say(LONG)
    slow, fast = (len(x) for x, _ in player.lines)
    assert slow > 1.6 * fast
    spk.cue("hold", 1.0)
    spk.set_volume(0.5)
    spk.cue("hold", 1.0)
    spk.set_volume(5.0)  # louder than configured is allowed, up to full scale
    spk.cue("hold", 1.0)
    full, half, capped = (np.max(np.abs(x)) for x, _ in player.lines[2:])
    assert half == pytest.approx(full / 2, rel=1e-3)
    assert capped == pytest.approx(full / 0.8, rel=1e-3)


def test_cue_modes():
    player = RecordingPlayer()
    tones = Pyttsx3Speaker(player=player, cue_mode="tones")
    tones.cue("inhale", 4.0)
    inhale, rate = player.lines[-1]
    assert len(inhale) == round(cue_seconds(4.0) * rate)
    third = len(inhale) // 3
    assert crossings(inhale[-third:]) > 1.3 * crossings(inhale[:third])  # rising

    Pyttsx3Speaker(player=player, cue_mode="spoken").cue("exhale", 4.0)
    spoken, _ = player.lines[-1]
    Pyttsx3Speaker(player=player).say("breathe out")
    said, _ = player.lines[-1]
    assert abs(len(spoken) - len(said)) < 0.05 * rate  # the words, not a 3.85 s tone

    count = len(player.lines)
    Pyttsx3Speaker(player=player, cue_mode="silent").cue("inhale", 4.0)
    assert len(player.lines) == count
    with pytest.raises(UserError, match="unknown cue"):
        tones.cue("sigh", 1.0)


def test_unknown_voice_and_cue_mode_are_user_errors():
    with pytest.raises(UserError, match="unknown voice 'no-such-voice'"):
        Pyttsx3Speaker(player=RecordingPlayer(), voice="no-such-voice")
    with pytest.raises(UserError, match="cue mode"):
        TextSpeaker(io.StringIO(), cue_mode="loud")
    spk = Pyttsx3Speaker(player=RecordingPlayer(), voice="English (America)")
    spk.say("ok")


def render(tmp_path, name, *steps):
    clock = FakeClock(100.0)
    path = tmp_path / name
    with WavSpeaker(path, clock) as spk:
        for step in steps:
            if isinstance(step, str):
                spk.say(step)
            else:
                clock.advance(step)
    return read_wav(path)


def as_written(samples, gain=0.9):
    """Samples as the WAV holds them: volume applied, 16-bit, read back as float."""
    return (np.round(np.clip(samples * gain, -1, 1) * 32767) / 32768).astype(np.float32)


def test_wav_timeline_say_pause_say_has_exact_length(tmp_path, monkeypatch):
    # espeak-ng's output for the same line varies by up to ~15 ms from run to run, so the lines
    # are measured as synthesised (a spy around the real synthesis), not re-synthesised.
    made = []
    real = speech.tts.synthesize

    def spy(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(speech.tts, "synthesize", spy)
    both, rate = render(
        tmp_path, "both.wav", "Breathe in through the nose.", 5.0, "And slowly out."
    )
    x, y = made
    assert rate == x.rate == 22050
    assert len(both) == len(x.samples) + 5 * rate + len(y.samples)  # to the sample
    assert np.array_equal(both[: len(x.samples)], as_written(x.samples))
    assert np.array_equal(both[-len(y.samples) :], as_written(y.samples))
    assert np.all(both[len(x.samples) : len(x.samples) + 5 * rate] == 0.0)  # the pause
    assert np.sqrt(np.mean(both[: len(x.samples)] ** 2)) > 0.02
    assert stat.S_IMODE(os.stat(tmp_path / "both.wav").st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["both.wav"]


def test_wav_cues_advance_the_clock_and_stop_cuts_the_line(tmp_path):
    clock = FakeClock()
    path = tmp_path / "s.wav"
    spk = WavSpeaker(path, clock)
    spk.cue("inhale", 4.0)
    assert clock.now() == pytest.approx(cue_seconds(4.0), abs=1e-4)
    clock.wait_until(4.0)
    clock.call_at(4.5, spk.stop)
    spk.say(LONG)
    assert clock.now() == pytest.approx(4.5)
    spk.close()
    audio, rate = read_wav(path)
    assert len(audio) == round(4.5 * rate)
    assert np.sqrt(np.mean(audio[-rate // 4 :] ** 2)) > 0.01  # speech up to the very cut


def test_text_speaker_prints_plain_lines_and_cue_words():
    out = io.StringIO()
    spk = TextSpeaker(out)
    spk.say("\x1b[31mBreathe\x1b[0m in.")
    spk.cue("inhale", 4)
    spk.cue("exhale", 4)
    spk.say("   ")
    TextSpeaker(out, cue_mode="silent").cue("hold", 2)
    assert out.getvalue() == "Breathe in.\n(breathe in)\n(breathe out)\n"


def test_make_speaker_falls_back_to_text_with_one_notice(monkeypatch, capsys):
    monkeypatch.setattr(speech, "_notices", set())
    first = make_speaker("auto")  # this machine has no output device
    second = make_speaker("auto")
    assert isinstance(first, TextSpeaker) and isinstance(second, TextSpeaker)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no audio output device" in err[0] and "text" in err[0]
    with pytest.raises(UserError, match="cannot speak aloud"):
        make_speaker("voice")


def test_make_speaker_kinds_follow_settings(tmp_path):
    settings = Settings(cue_mode="spoken", rate=120)
    spk = make_speaker("voice", settings, player=RecordingPlayer())
    assert isinstance(spk, Pyttsx3Speaker) and spk.rate_wpm == 120
    assert isinstance(make_speaker("text", settings), TextSpeaker)
    assert isinstance(make_speaker("wav", settings, out=tmp_path / "o.wav"), WavSpeaker)
    with pytest.raises(UserError, match="--out"):
        make_speaker("wav", settings)
    with pytest.raises(UserError, match="unknown speaker"):
        make_speaker("loud", settings)


class _UnpluggedPlayer(RecordingPlayer):
    def play(self, samples, rate, interrupt):
        raise RuntimeError("Error opening OutputStream: Device unavailable")


def test_a_failing_sound_card_mid_session_prints_lines_instead(monkeypatch):
    monkeypatch.setattr(speech, "_notices", set())
    out, notices = io.StringIO(), io.StringIO()
    spk = Pyttsx3Speaker(player=_UnpluggedPlayer(), stream=out, notice_stream=notices)
    spk.say("Breathe in.")
    spk.cue("exhale", 4.0)
    spk.say("Well done.")
    assert out.getvalue() == "Breathe in.\n(breathe out)\nWell done.\n"
    assert notices.getvalue().count("\n") == 1 and "Device unavailable" in notices.getvalue()
    assert not spk.speaking


def test_wav_speaker_at_16_khz_and_speaking_during_the_line(tmp_path):
    clock = FakeClock()
    spk = WavSpeaker(tmp_path / "16k.wav", clock, sample_rate=16000)
    seen = []
    clock.call_at(0.3, lambda: seen.append(spk.speaking))
    spk.say("Breathe in through the nose.")
    seen.append(spk.speaking)
    spk.close()
    audio, rate = read_wav(tmp_path / "16k.wav")
    reference = speech.tts.synthesize("Breathe in through the nose.", 165)
    assert rate == 16000
    assert abs(len(audio) / rate - reference.seconds) < 0.05  # espeak-ng varies a little
    assert seen == [True, False]
