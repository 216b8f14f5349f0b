"""`voice-cecert doctor`: check everything the assistant needs and say what to fix.

One line per check, plain words, so it reads well through a screen reader: "ok", "warning"
(the assistant still runs, e.g. in text mode) or "problem" (it cannot run). Every warning and
problem ends with "-> fix: ...". Exit code 1 when the assistant cannot run.
"""

from __future__ import annotations

import argparse
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from voice_cecert import config, paths, tts
from voice_cecert.audio_out import NoOutputDevice, output_device_name
from voice_cecert.errors import UserError

ORDER = 90
TEXT_MODE = "use text mode: voice-cecert assistant --text"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok" | "warning" | "problem"
    detail: str
    fix: str = ""

    def line(self) -> str:
        if self.status == "ok":
            return f"{self.name}: ok ({self.detail})"
        return f"{self.name}: {self.status}: {self.detail} -> fix: {self.fix}"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "doctor",
        help="check microphone, speaker, speech engines, models and settings",
        description="Prints one line per check and what to do about any problem.",
    )
    parser.set_defaults(handler=_run)


def check_settings() -> tuple[Check, config.Settings | None]:
    path = config.config_path()
    try:
        settings = config.load_settings(warn=lambda _msg: None)
    except UserError as exc:
        return Check("settings", "problem", str(exc), f"correct or delete {path}"), None
    unknown = sorted(set(config.read_raw(path)) - set(config.RULES))
    where = str(path) if path.exists() else f"defaults; no file at {path}"
    if unknown:
        return Check(
            "settings", "warning", f"unknown keys ignored: {', '.join(unknown)}", f"edit {path}"
        ), settings
    if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
        mode = stat.S_IMODE(path.stat().st_mode)
        return Check(
            "settings", "warning", f"{path} is readable by others ({mode:o})", f"chmod 600 {path}"
        ), settings
    return Check("settings", "ok", where), settings


def check_data_dir() -> Check:
    try:
        folder = paths.data_dir()
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".doctor-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return Check("data folder", "problem", f"not writable: {exc}", "check its permissions")
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077:
        return Check(
            "data folder",
            "warning",
            f"{folder} is readable by others ({mode:o})",
            f"chmod 700 {folder}",
        )
    return Check("data folder", "ok", f"{folder}, private")


def check_microphone() -> Check:
    try:
        import sounddevice as sd

        info = sd.query_devices(kind="input")
        if int(info.get("max_input_channels", 0)) < 1:
            raise ValueError("no input channels")
    except OSError:  # sounddevice cannot load the PortAudio library
        return Check(
            "microphone", "warning", "PortAudio is missing", "sudo apt install libportaudio2"
        )
    except Exception:  # no input device (PortAudio says "Error querying device -1")
        return Check(
            "microphone", "warning", "no microphone found", f"connect a microphone, or {TEXT_MODE}"
        )
    return Check("microphone", "ok", str(info["name"]))


def check_speaker() -> Check:
    try:
        name = output_device_name()
    except NoOutputDevice:
        return Check(
            "audio output",
            "warning",
            "no audio output device found",
            f"connect speakers or headphones, or {TEXT_MODE}",
        )
    return Check("audio output", "ok", name)


def check_tts(settings: config.Settings | None) -> Check:
    voice = settings.voice if settings else ""
    try:
        voice_id = tts.resolve_voice(voice)
        synth = tts.synthesize("ready", voice=voice_id)
    except tts.TtsUnavailable as exc:
        return Check(
            "speech engine",
            "warning",
            f"cannot synthesise speech ({exc})",
            f"install espeak-ng (sudo apt install espeak-ng), or {TEXT_MODE}",
        )
    except UserError as exc:
        return Check("speech engine", "warning", str(exc), 'voice-cecert config set voice ""')
    if synth.seconds < 0.1:
        return Check("speech engine", "warning", "synthesised no audio", "reinstall espeak-ng")
    return Check(
        "speech engine", "ok", f"pyttsx3 with espeak-ng, 'ready' = {synth.seconds:.2f} s of audio"
    )


def check_pocketsphinx() -> Check:
    try:
        from pocketsphinx import Config, Decoder

        cfg = Config()
        cfg["logfn"] = os.devnull
        Decoder(cfg)
    except Exception as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        return Check(
            "pocketsphinx",
            "problem",
            f"cannot load its English model ({first})",
            "pip install --force-reinstall pocketsphinx",
        )
    return Check("pocketsphinx", "ok", "built-in English model loads")


def check_vosk(settings: config.Settings | None) -> Check:
    try:
        import vosk
    except Exception as exc:
        return Check("vosk", "warning", f"not installed ({exc})", "pip install vosk")
    from voice_cecert.asr.select import find_vosk_model  # the choice the assistant makes
    from voice_cecert.asr.vosk_engine import quiet_stderr

    configured = settings.model_path if settings else ""
    try:
        path = find_vosk_model(configured or None)
    except UserError as exc:
        return Check(
            "vosk model",
            "problem",
            f"model_path: {exc}".rstrip("."),
            'voice-cecert models use PATH, or voice-cecert config set model_path ""',
        )
    if path is None:
        return Check(
            "vosk model",
            "warning",
            "none found (pocketsphinx is used instead)",
            "voice-cecert models download small-en-us (optional, 40 MB, better accuracy)",
        )
    vosk.SetLogLevel(-1)
    try:
        with quiet_stderr():  # Kaldi prints its errors straight to file descriptor 2
            vosk.Model(str(path))
    except Exception as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        return Check(
            "vosk model", "problem", f"{path} does not load ({first})", "download it again"
        )
    return Check("vosk model", "ok", f"{path} loads")


def check_noise_suppression() -> Check:
    from voice_cecert.asr import denoise

    if denoise.available():
        return Check("noise suppression", "ok", "RNNoise for hiss-like noise, Wiener for the rest")
    return Check(
        "noise suppression",
        "warning",
        "RNNoise is not available, only the lighter Wiener filter cleans noise",
        "pip install pyrnnoise (there is no macOS build)",
    )


def check_microphone_memory(settings: config.Settings | None) -> Check:
    """What the app keeps of the microphone between runs (asr/cepstral_mean.py), so a user who
    cares can hear it and knows how to stop it."""
    from voice_cecert.asr import cepstral_mean

    if settings is not None and not settings.remember_microphone:
        return Check("microphone memory", "ok", "off: remember_microphone is false")
    path = cepstral_mean.default_path()
    count = cepstral_mean.count(path)
    if not count:
        return Check("microphone memory", "ok", "nothing remembered yet")
    return Check(
        "microphone memory",
        "ok",
        f"average spectrum of {count} microphone(s) in {path}; "
        "voice-cecert config set remember_microphone false turns it off",
    )


def check_learned_voice() -> Check:
    """Whether the engine knows the user's voice (voice-cecert enrol), and whether it can
    learn it: a user whose commands are often misheard should hear what would help."""
    from voice_cecert.asr import adaptation, voice_profile
    from voice_cecert.asr.sphinx_engine import BUNDLED_MODEL_KEY

    path = voice_profile.path_for(BUNDLED_MODEL_KEY)
    if path.exists():
        why = voice_profile.problem(path)
        if why is not None:
            return Check(
                "learned voice", "warning", f"saved but unusable ({why})", "voice-cecert enrol"
            )
        return Check(
            "learned voice",
            "ok",
            f"pocketsphinx uses it with the microphone ({path}); voice-cecert enrol --forget "
            "deletes it",
        )
    if voice_profile.legacy(BUNDLED_MODEL_KEY) is not None:
        return Check(
            "learned voice",
            "warning",
            "learned by an earlier version and no longer used; enrolling again learns it better",
            "voice-cecert enrol",
        )
    missing = adaptation.missing_packages()
    if missing:
        needs = f"sudo apt-get install {' '.join(missing)}"
        return Check("learned voice", "ok", f"none; learning one needs {needs}")
    return Check("learned voice", "ok", "none; voice-cecert enrol learns yours in 3 minutes")


def run_checks() -> list[Check]:
    settings_check, settings = check_settings()
    checks = [settings_check, check_data_dir(), check_microphone(), check_speaker()]
    checks += [check_tts(settings), check_pocketsphinx(), check_vosk(settings)]
    engine = settings.engine if settings else "auto"
    sphinx_ok = checks[5].status == "ok"
    vosk_ok = checks[6].status == "ok"
    usable = {"auto": sphinx_ok or vosk_ok, "pocketsphinx": sphinx_ok, "vosk": vosk_ok}[engine]
    if not usable:
        checks.append(
            Check(
                "speech recognition",
                "problem",
                f"the configured engine ({engine}) cannot run",
                "fix the lines above, or voice-cecert config set engine auto",
            )
        )
    checks += [check_noise_suppression(), check_microphone_memory(settings)]
    checks.append(check_learned_voice())
    return checks


def _run(args: argparse.Namespace, out: Callable[[str], None] = print) -> int:
    checks = run_checks()
    for check in checks:
        out(check.line())
    problems = sum(c.status == "problem" for c in checks)
    warnings = sum(c.status == "warning" for c in checks)
    if problems:
        out(f"The assistant cannot run: {problems} problem(s), {warnings} warning(s).")
        return 1
    if warnings:
        out(f"The assistant can run, with {warnings} warning(s).")
    else:
        out("Everything is ready.")
    return 0
