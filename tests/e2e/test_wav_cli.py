"""The real CLI listening to a WAV file (`--wav`), answering in printed lines."""

from __future__ import annotations

import os
import subprocess
import sys

from voice_cecert import synth
from voice_cecert.dialogue import Messages

MSG = Messages.load().data


def test_wav_session_through_the_cli_prints_every_answer(tmp_path, _private_home):
    wav = tmp_path / "session.wav"
    samples = synth.session(
        ["what can I say", 9.0, "start a breathing break", 14.0, "stop", 4.0],
        "flite:slt",
        lead=5.0,
    )
    synth.write_wav(wav, samples)
    result = subprocess.run(
        [sys.executable, "-m", "voice_cecert", "--wav", str(wav), "--speaker", "text", "--trace"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "VOICE_CECERT_HOME": str(_private_home)},
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == MSG["greeting"][0]
    assert lines[1].startswith("You can say:")
    assert "Breathe with me." in lines and "Breathe in" in lines
    assert lines[-1] == MSG["routine_stopped"]
    assert "heard: start a breathing break" in result.stderr  # --trace shows what was heard
