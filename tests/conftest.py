"""Shared fixtures: every test gets its own private user dirs, so nothing touches ~/.local."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_home(tmp_path, monkeypatch):
    home = tmp_path / "vc-home"
    monkeypatch.setenv("VOICE_CECERT_HOME", str(home))
    monkeypatch.delenv("VOSK_MODEL_PATH", raising=False)
    return home
