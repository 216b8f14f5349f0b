"""The real sound-card path, through PortAudio and ALSA, on a machine without a sound card.

ALSA's `file` plugin is a genuine output device that writes whatever is played to a WAV file,
so `say` (pyttsx3 -> SoundDevicePlayer -> PortAudio -> ALSA) can be checked sample-exactly.
PortAudio reads the ALSA config when sounddevice is imported, hence the subprocesses.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile

from voice_cecert import tts
from voice_cecert.config import Settings

ALSA_CONF = Path("/usr/share/alsa/alsa.conf")
pytestmark = pytest.mark.skipif(not ALSA_CONF.exists(), reason="needs ALSA's config files")


def run_with_file_device(tmp_path, *args):
    played = tmp_path / "played.wav"
    conf = tmp_path / "asound.conf"
    conf.write_text(
        f"<{ALSA_CONF}>\n"
        f'pcm.!default {{ type file slave.pcm "null" file "{played}" format "wav" }}\n'
    )
    env = {**os.environ, "ALSA_CONFIG_PATH": str(conf)}
    result = subprocess.run(
        [sys.executable, "-m", "voice_cecert", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    return result, played


def test_say_plays_real_speech_through_the_sound_card(tmp_path):
    result, played = run_with_file_device(tmp_path, "say", "Breathe in slowly.")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # spoken, not printed, no notice
    audio, rate = soundfile.read(played)
    assert rate == 22050
    expected = tts.synthesize("Breathe in slowly.", Settings().rate).samples
    assert abs(len(audio) - len(expected)) < 0.05 * rate  # the whole line (espeak-ng jitters)
    assert 0.3 < abs(audio).max() <= 0.9 + 1e-3


def test_doctor_sees_the_devices(tmp_path):
    result, _ = run_with_file_device(tmp_path, "doctor")
    assert "audio output: ok" in result.stdout
    assert "microphone: ok" in result.stdout
    assert result.returncode == 0
