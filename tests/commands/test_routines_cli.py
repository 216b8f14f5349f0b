"""`voice-cecert routines`: listing, showing and validating, as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from voice_cecert.routines import loader


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voice_cecert", *args], capture_output=True, text=True, timeout=60
    )


def test_list_groups_ids_by_element_with_summary():
    out = cli("routines").stdout
    assert "Parasympathetic recovery:" in out
    breathing = loader.load("breathing")
    assert f"  breathing: {breathing.summary}" in out
    assert out.index("Experiential engagement:") < out.index("  feelings-check-in:")


def test_show_prints_numbered_readable_steps():
    result = cli("routines", "show", "breathing")
    assert result.returncode == 0
    assert "1. Say: Breathe with me." in result.stdout
    assert "Breathe (coherent: in 5.5s, out 5.5s) for 2 minutes, spoken cues." in result.stdout


def test_show_unknown_id_is_one_line_with_suggestion():
    result = cli("routines", "show", "feelings-checkin")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "did you mean 'feelings-check-in'" in result.stderr


def test_validate_builtin_folder_passes():
    result = cli("routines", "validate")
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_validate_reports_one_line_per_problem(tmp_path: Path):
    good = (loader.DATA_DIR / "breathing.yaml").read_text(encoding="utf-8")
    (tmp_path / "breathing.yaml").write_text(
        good.replace("cues: spoken", "cues: whisper").replace("seconds: 2m", "seconds: lots")
    )
    (tmp_path / "calm.yaml").write_text(good)  # id 'breathing' in calm.yaml
    result = cli("routines", "validate", str(tmp_path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert any("breathing.yaml:12: " in ln and "'whisper'" in ln for ln in lines)
    assert any("breathing.yaml:11: " in ln and "'lots' is not a duration" in ln for ln in lines)
    assert any("calm.yaml:3: " in ln and "must match the file name" in ln for ln in lines)
    assert "Traceback" not in result.stderr


def test_validate_missing_path_is_user_error(tmp_path: Path):
    result = cli("routines", "validate", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr


def test_save_pattern_then_list_it():
    saved = cli("routines", "save-pattern", "evening", "4-6")
    assert saved.returncode == 0, saved.stderr
    listed = cli("routines", "patterns").stdout
    assert "evening: 4-6 (saved)" in listed
    assert "box: 4-4-4-4" in listed
    bad = cli("routines", "save-pattern", "late", "40-6")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "voice-cecert: inhale of 40s is outside 1-20s"


def test_show_says_default_length_once():
    out = cli("routines", "show", "breathing").stdout.splitlines()
    assert out[1] == "Parasympathetic recovery. Default length: 2 minutes."
