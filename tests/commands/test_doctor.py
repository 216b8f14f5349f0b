"""doctor runs its real checks here: no sound devices, espeak-ng and pocketsphinx installed."""

from voice_cecert import config
from voice_cecert.cli import main


def doctor(capfd):
    code = main(["doctor"])
    out = capfd.readouterr()
    lines = out.out.strip().splitlines()
    return code, {line.split(":", 1)[0]: line for line in lines[:-1]}, lines[-1], out.err


def test_doctor_on_this_machine_warns_about_devices_and_still_runs(capfd):
    code, lines, summary, err = doctor(capfd)
    assert code == 0, lines
    assert lines["microphone"].startswith("microphone: warning: no microphone found")
    assert "voice-cecert assistant --text" in lines["microphone"]
    assert lines["audio output"].startswith("audio output: warning: no audio output device")
    assert "-> fix:" in lines["audio output"]
    assert lines["speech engine"].startswith("speech engine: ok (pyttsx3 with espeak-ng")
    assert lines["pocketsphinx"] == "pocketsphinx: ok (built-in English model loads)"
    assert lines["vosk model"].startswith("vosk model: warning: none found")
    assert lines["settings"].startswith("settings: ok")
    assert lines["data folder"].endswith("private)")
    assert lines["noise suppression"].startswith("noise suppression: ok (RNNoise")
    assert lines["microphone memory"] == "microphone memory: ok (nothing remembered yet)"
    assert lines["learned voice"] == (
        "learned voice: ok (none; voice-cecert enrol learns yours in 3 minutes)"
    )
    assert summary == "The assistant can run, with 3 warning(s)."
    assert err == ""
    assert all("\x1b" not in line for line in lines.values())


def test_doctor_fails_on_a_broken_settings_file(capfd):
    config.config_path().write_text("volume = 7\n")
    code, lines, summary, _ = doctor(capfd)
    assert code == 1
    assert lines["settings"].startswith("settings: problem:")
    assert "volume must be between" in lines["settings"]
    assert summary.startswith("The assistant cannot run: 1 problem(s)")


def test_doctor_fails_when_vosk_is_required_but_the_model_is_bad(capfd, tmp_path, monkeypatch):
    fake = tmp_path / "fake-model"
    for part in ("am", "conf", "graph"):
        (fake / part).mkdir(parents=True)
    (fake / "am" / "final.mdl").write_text("not a model")
    monkeypatch.setenv("VOSK_MODEL_PATH", str(fake))
    config.save_settings(config.Settings(engine="vosk"))
    code, lines, summary, err = doctor(capfd)
    assert code == 1 and summary.startswith("The assistant cannot run: 2 problem(s)")
    assert lines["vosk model"].startswith(f"vosk model: problem: {fake} does not load")
    recognition = lines["speech recognition"]
    assert recognition.startswith("speech recognition: problem: the configured engine (vosk)")
    assert err == ""  # Kaldi's own error line is kept off the screen reader's output


def test_doctor_reports_a_model_path_that_is_not_a_model(capfd, tmp_path):
    config.save_settings(config.Settings(model_path=str(tmp_path)))
    code, lines, _, _ = doctor(capfd)
    assert code == 1
    assert lines["vosk model"].startswith("vosk model: problem: model_path:")
    assert "is not a vosk model folder" in lines["vosk model"]
    assert "-> fix: voice-cecert models use PATH" in lines["vosk model"]


def test_doctor_warns_about_a_settings_file_others_can_read(capfd):
    path = config.save_settings(config.Settings(rate=150))
    path.chmod(0o644)
    code, lines, _, _ = doctor(capfd)
    assert code == 0
    assert lines["settings"] == (
        f"settings: warning: {path} is readable by others (644) -> fix: chmod 600 {path}"
    )


def test_doctor_says_what_is_remembered_of_the_microphone(capfd):
    from voice_cecert.asr import cepstral_mean

    cepstral_mean.save("pocketsphinx bundled en-us | USB headset", [50.0] * 13)
    _, lines, _, _ = doctor(capfd)
    assert "average spectrum of 1 microphone(s)" in lines["microphone memory"]
    assert "remember_microphone false" in lines["microphone memory"]
    assert main(["config", "set", "remember_microphone", "false"]) == 0
    capfd.readouterr()
    _, lines, _, _ = doctor(capfd)
    assert lines["microphone memory"].endswith("ok (off: remember_microphone is false)")


def test_learned_voice_saved_damaged_old_or_not_learnable(capfd, monkeypatch):
    import os
    from pathlib import Path

    from voice_cecert.asr import adaptation, voice_profile
    from voice_cecert.asr.sphinx_engine import BUNDLED_MODEL_KEY, bundled_model_dir

    path = voice_profile.path_for(BUNDLED_MODEL_KEY)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not a learned voice")
    _, lines, _, _ = doctor(capfd)
    assert lines["learned voice"].startswith("learned voice: warning: saved but unusable (")
    assert lines["learned voice"].endswith("-> fix: voice-cecert enrol")

    model = Path(bundled_model_dir()) / "en-us"  # the model's own files: a sound voice file
    own = adaptation.LearnedVoice({n: (model / n).read_bytes() for n in adaptation.ADAPTED})
    voice_profile.save(BUNDLED_MODEL_KEY, own)
    _, lines, _, _ = doctor(capfd)
    assert lines["learned voice"].startswith("learned voice: ok (pocketsphinx uses it")
    assert "enrol --forget" in lines["learned voice"]

    path.unlink()
    path.with_suffix(".mllr").write_text("1 3 ...")  # what the fifth session's version saved
    _, lines, _, _ = doctor(capfd)
    assert lines["learned voice"].startswith("learned voice: warning: learned by an earlier")
    os.remove(path.with_suffix(".mllr"))

    monkeypatch.setattr(adaptation, "find_tool", lambda name: None)
    _, lines, _, _ = doctor(capfd)
    assert lines["learned voice"] == (
        "learned voice: ok (none; learning one needs "
        "sudo apt-get install sphinxbase-utils sphinxtrain pocketsphinx)"
    )
