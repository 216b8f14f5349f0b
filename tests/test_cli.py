import subprocess
import sys


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voice_cecert", *args], capture_output=True, text=True, timeout=60
    )


def test_version_prints_and_exits_zero():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("voice-cecert ")


def test_unknown_command_is_one_line_error_with_exit_2():
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_top_level_flags_go_to_the_assistant():
    result = run_cli("--text", "--no-such-flag")
    assert result.returncode == 2
    assert "--no-such-flag" in result.stderr
    assert "invalid choice" not in result.stderr


def test_subcommand_without_action_still_works():
    result = run_cli("journal")
    assert result.returncode == 0
