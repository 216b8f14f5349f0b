import stat

import pytest

from voice_cecert.files import write_private_atomic


def test_write_is_private_and_replaces(tmp_path):
    target = tmp_path / "sub" / "notes.txt"
    write_private_atomic(target, "first")
    write_private_atomic(target, b"second")
    assert target.read_text() == "second"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["notes.txt"]


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "notes.txt"
    write_private_atomic(target, "keep me")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("voice_cecert.files.os.replace", boom)
    with pytest.raises(OSError):
        write_private_atomic(target, "lost")
    assert target.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
