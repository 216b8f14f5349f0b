import os
import stat
import wave

from voice_cecert import speech
from voice_cecert.cli import main


def test_say_text_prints_the_line(capsys):
    assert main(["say", "--text", "Take a slow breath."]) == 0
    assert capsys.readouterr().out == "Take a slow breath.\n"


def test_say_without_a_sound_card_falls_back_to_text_with_a_notice(capsys, monkeypatch):
    monkeypatch.setattr(speech, "_notices", set())  # as in a fresh process
    assert main(["say", "hello there"]) == 0  # this machine has no output device
    out = capsys.readouterr()
    assert out.out == "hello there\n"
    assert out.err.count("\n") == 1 and "no audio output device" in out.err


def test_say_out_writes_a_private_wav_of_real_speech(tmp_path, capsys):
    path = tmp_path / "hello.wav"
    assert main(["say", "--out", str(path), "--rate", "120", "Hello", "there"]) == 0
    with wave.open(str(path)) as w:
        seconds = w.getnframes() / w.getframerate()
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
    assert 0.6 < seconds < 3.0
    assert f"({seconds:.2f} s)" in capsys.readouterr().out
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_say_errors_are_one_line(capsys):
    assert main(["say"]) == 2
    assert main(["say", "--voice", "no-such-voice", "--out", "never.wav", "hi"]) == 2
    assert main(["say", "--rate", "5", "--text", "hi"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and "nothing to say" in err[0] and "unknown voice" in err[1]
    assert "rate must be between" in err[2]


def test_say_voices_lists_real_voices(capsys):
    assert main(["say", "--voices"]) == 0
    out = capsys.readouterr().out
    assert "gmw/en-us" in out and len(out.splitlines()) > 20
