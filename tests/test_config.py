import os
import stat

import pytest

from voice_cecert import config
from voice_cecert.cli import main
from voice_cecert.config import Settings, load_settings, save_settings
from voice_cecert.errors import UserError


def run_cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_defaults_without_a_file():
    s = load_settings()
    assert s == Settings()
    assert (s.engine, s.wake_phrase, s.crisis_line, s.trailing_silence) == (
        "auto",
        "hey coach",
        "988",
        0.6,
    )
    assert "988" in s.crisis_label and s.always_on is False and s.daily_goal_minutes == 20
    assert s.cue_mode in ("spoken", "tones", "silent")


def test_save_then_load_round_trips_privately_and_keeps_only_changes():
    changed = Settings().with_overrides(rate=140, always_on=True, voice="en-us", volume=None)
    path = save_settings(changed)
    assert path == config.config_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert load_settings() == changed
    text = path.read_text()
    assert "rate = 140" in text and "wake_phrase" not in text
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("rate = [", "not valid TOML"),
        ('rate = "fast"', "rate must be a whole number"),
        ("rate = 9000", "rate must be between 80 and 400"),
        ('cue_mode = "loud"', "cue_mode must be one of"),
        ('always_on = "yes"', "always_on must be true or false"),
        ('wake_phrase = "  "', "wake_phrase must not be empty"),
        ("volume = 1.5", "volume must be between 0 and 1"),
    ],
)
def test_bad_files_are_one_line_errors_naming_file_and_key(content, message):
    path = config.config_path()
    path.write_text(content)
    with pytest.raises(UserError) as err:
        load_settings()
    text = str(err.value)
    assert str(path) in text and message in text and "\n" not in text


def test_unknown_keys_warn_but_load():
    config.config_path().write_text('colour = "blue"\nrate = 150\n')
    warnings = []
    s = load_settings(warn=warnings.append)
    assert s.rate == 150
    assert len(warnings) == 1 and "colour" in warnings[0]
    save_settings(s.with_overrides(rate=151))
    assert 'colour = "blue"' in config.config_path().read_text()  # kept for newer versions


def test_overrides_are_checked():
    assert Settings().with_overrides(trailing_silence=1).trailing_silence == 1.0
    with pytest.raises(UserError, match="unknown setting 'speed'"):
        Settings().with_overrides(speed=2)
    with pytest.raises(UserError, match="engine must be one of"):
        Settings().with_overrides(engine="whisper")
    assert config.parse_value("always_on", "on") is True
    assert config.parse_value("volume", "0.5") == 0.5
    with pytest.raises(UserError, match="whole number"):
        config.parse_value("daily_goal_minutes", "lots")


def test_config_command_set_get_show_path(capsys):
    code, _, err = run_cli(capsys, "config", "set", "wake_phrase", "hello coach")
    assert code == 0, err
    assert run_cli(capsys, "config", "get", "wake_phrase")[1] == "hello coach\n"
    shown = run_cli(capsys, "config")[1].splitlines()
    assert "wake_phrase = hello coach" in shown and "always_on = false" in shown
    assert run_cli(capsys, "config", "path")[1].strip() == str(config.config_path())
    code, _, err = run_cli(capsys, "config", "set", "rate", "zoom")
    assert code == 2 and err.count("\n") == 1 and "whole number" in err
    assert run_cli(capsys, "config", "set", "voice", "English (America)")[0] == 0
    assert config.load_settings().voice == "gmw/en-us"
    code, _, err = run_cli(capsys, "config", "set", "voice", "no-such-voice")
    assert code == 2 and "unknown voice" in err
    config.config_path().write_text("rate = [")
    code, _, err = run_cli(capsys, "config", "show")
    assert code == 2 and "not valid TOML" in err and err.count("\n") == 1
