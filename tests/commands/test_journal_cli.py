import json
import subprocess
import sys


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voice_cecert", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_plan_set_show_and_export_round_trip(tmp_path):
    saved = run_cli("plan", "set", "task_positive", "write notes", "walk", "tidy desk")
    assert saved.returncode == 0, saved.stderr
    assert run_cli("plan", "set", "partner", "Dana").returncode == 0
    shown = run_cli("plan").stdout
    assert "task_positive: write notes; walk; tidy desk" in shown
    assert "partner: Dana" in shown
    assert "rest: not saved yet" in shown
    out = tmp_path / "export.json"
    result = run_cli("journal", "export", "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["answers"]["partner"] == "Dana"


def test_plan_unknown_key_is_one_line_error():
    result = run_cli("plan", "set", "favourite_colour", "blue")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "unknown plan answer" in result.stderr


def test_journal_summary_on_empty_journal():
    result = run_cli("journal")
    assert result.returncode == 0
    assert "haven't practised yet today" in result.stdout


def test_export_to_a_folder_is_one_line_error(tmp_path):
    result = run_cli("journal", "export", "--out", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
