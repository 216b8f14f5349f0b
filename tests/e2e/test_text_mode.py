"""Typed sessions through the real CLI in a subprocess: what a screen-reader user gets."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from voice_cecert.dialogue import Messages

MSG = Messages.load().data


def cli(*args: str, typed: str | None = None, home) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOICE_CECERT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "voice_cecert", *args],
        input=typed,
        stdin=subprocess.DEVNULL if typed is None else None,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_no_stdin_greets_and_ends_cleanly(_private_home):
    result = cli(home=_private_home)  # what CI does: no subcommand, no microphone, no stdin
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("what can I say" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_typed_help_more_and_goodbye(_private_home):
    result = cli(
        "assistant", "--text", typed="what can I say\nmore\ngoodbye\nmenu\n", home=_private_home
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == MSG["greeting"][0]
    assert lines[1].startswith("You can say: 'start a breathing break'")
    assert lines[2].startswith("You can say: 'tell me about rumination'")
    assert lines[3] in MSG["farewell"]
    assert len(lines) == 4  # nothing after goodbye
    assert all(line == line.strip() and "\x1b" not in line for line in lines)  # plain lines


def test_typed_routine_starts_and_end_of_input_stops_it(_private_home):
    result = cli("assistant", "--text", typed="start a breathing break\n", home=_private_home)
    assert result.returncode == 0, result.stderr
    assert "Breathe with me." in result.stdout.splitlines()


def test_typed_change_of_one_plan_answer_asks_only_that_and_saves_it(_private_home):
    env_home = {"VOICE_CECERT_HOME": str(_private_home)}
    seed = subprocess.run(
        [sys.executable, "-m", "voice_cecert", "plan", "set", "partner", "Dana"],
        env={**os.environ, **env_home},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert seed.returncode == 0, seed.stderr
    typed = "change my task positive activities\nwrite one note\nwalk outside\ntidy the desk\n"
    result = cli("assistant", "--text", typed=typed, home=_private_home)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Name three task positive activities" in out
    assert "Question one" not in out and "accountability partner" not in out
    assert "That part of your plan is updated." in out
    shown = subprocess.run(
        [sys.executable, "-m", "voice_cecert", "plan"],
        env={**os.environ, **env_home},
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "task_positive: write one note; walk outside; tidy the desk" in shown
    assert "partner: Dana" in shown  # the other answers are kept


def test_typed_crisis_words_get_the_safe_answer(_private_home):
    result = cli(
        "assistant",
        "--text",
        typed="start a breathing break\nI want to hurt myself\n",
        home=_private_home,
    )
    assert result.returncode == 0
    answer = result.stdout.splitlines()[-1]
    assert answer.startswith("Thank you for telling me.") and "988" in answer


def test_typed_sleep_ignores_until_wake_phrase(_private_home):
    typed = "go to sleep\nstart a breathing break\nhey coach\nmenu\n"
    result = cli("assistant", "--text", typed=typed, home=_private_home)
    lines = result.stdout.splitlines()
    assert lines[1] == MSG["sleep"].format(wake="hey coach")
    assert lines[2] == MSG["wake"]
    assert lines[3] == MSG["menu"]
    assert "Breathe with me." not in result.stdout


def test_not_understood_twice_offers_options(_private_home):
    result = cli(
        "assistant", "--text", typed="purple elephants\npurple elephants\n", home=_private_home
    )
    lines = result.stdout.splitlines()
    assert lines[1] in MSG["reprompt"]
    assert lines[2].startswith("I'm still not sure. You could say")
    assert len(re.findall(r" '[^']+'", lines[2])) == 3


def test_bad_wav_path_is_one_line_error(_private_home, tmp_path):
    result = cli("assistant", "--wav", str(tmp_path / "missing.wav"), home=_private_home)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_text_and_wav_together_is_a_user_error(_private_home, tmp_path):
    result = cli("assistant", "--text", "--wav", str(tmp_path / "x.wav"), home=_private_home)
    assert result.returncode == 2 and "either --text or --wav" in result.stderr


def test_an_unreadable_journal_is_said_and_the_coach_still_works(_private_home):
    data = _private_home / "data"
    data.mkdir(parents=True, mode=0o700)
    (data / "journal.sqlite3").write_text("not a database")
    result = cli("assistant", "--text", typed="how am I doing\n", home=_private_home)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Your practice log can't be opened")
    assert lines[-1] == MSG["journal_unavailable"]
