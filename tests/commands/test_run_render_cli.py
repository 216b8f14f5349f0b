"""`voice-cecert run` and `render` as a user (or CI) calls them: no hangs, one-line errors."""

from __future__ import annotations

import subprocess
import sys
import wave

import pytest

from voice_cecert.journal import Journal


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voice_cecert", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_text_no_wait_prints_script_and_logs_practice():
    result = cli("run", "breathing", "--text", "--no-wait")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Breathe with me."
    assert lines[1] == "Breathe in"
    practices = Journal().practices()
    assert [(p.routine_id, p.completed) for p in practices] == [("breathing", True)]


def test_run_text_typed_answers_are_used_and_saved():
    typed = [
        "4",  # check-in before
        "I name one feeling in each session",
        "a short walk",  # three task-positive activities, one per line
        "filing one note",
        "tea with Sam",
    ]
    result = cli("run", "practice-plan", "--text", "--no-wait", stdin="\n".join(typed) + "\n")
    assert result.returncode == 0, result.stderr
    journal = Journal()
    answers = journal.answers()
    assert answers["experiential"] == "I name one feeling in each session"
    assert answers["task_positive"] == "a short walk\nfiling one note\ntea with Sam"
    assert "partner" not in answers  # end of input skipped the rest
    practice = journal.practices()[0]
    assert (practice.routine_id, practice.completed) == ("practice-plan", True)


def test_run_text_on_real_clock_with_eof_does_not_hang():
    # Real clock, no input at all: every question is skipped at once, nothing is saved.
    result = cli("run", "practice-plan", "--text", stdin="")
    assert result.returncode == 0, result.stderr
    assert "Question one" in result.stdout
    assert Journal().answers() == {}


def test_run_unknown_id_suggests_closest():
    result = cli("run", "breathin", "--text")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "voice-cecert: unknown routine id 'breathin'; did you mean 'breathing'? "
        "(see: voice-cecert routines)"
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--speed", "9"], "--speed must be between 0.5 and 2"),
        (["--length", "soon"], "--length: 'soon' is not a duration"),
        (["--pattern", "wavy"], "unknown breathing pattern 'wavy'"),
        (["--no-wait"], "--no-wait only works with --text"),
    ],
)
def test_run_bad_options_are_one_line(args, fragment):
    result = cli("run", "breathing", *args)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_render_writes_private_wav_of_routine_length(tmp_path):
    out = tmp_path / "b.wav"
    result = cli("render", "breathing", "--out", str(out), "--length", "30s", "--speed", "2")
    assert result.returncode == 0, result.stderr
    with wave.open(str(out)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    # 30 s asked at double speed: 3 cycles of 5.5 s breaths, plus speech and the check-in window
    assert 20 < seconds < 60
    assert out.stat().st_mode & 0o777 == 0o600
    assert "Wrote" in result.stdout
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_render_needs_wav_name(tmp_path):
    result = cli("render", "breathing", "--out", str(tmp_path / "x.mp3"))
    assert result.returncode == 2
    assert "must name a .wav file" in result.stderr


def test_render_shows_progress_bar_on_a_terminal(tmp_path):
    import fcntl
    import os
    import pty
    import struct
    import termios

    primary, secondary = pty.openpty()
    # A new pty has no size (0x0), which tqdm draws as an empty bar; a real terminal has one.
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out = tmp_path / "t.wav"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "voice_cecert", "render", "task-positive", "--out", str(out)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=secondary,
            text=True,
            timeout=60,
        )
        os.close(secondary)
        chunks = []
        while True:
            try:
                data = os.read(primary, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(primary)
    assert result.returncode == 0
    terminal = b"".join(chunks).decode(errors="replace")
    assert "render task-positive" in terminal and "s/s" in terminal
    assert "s/s" not in result.stdout  # the bar goes to the terminal's stderr only
