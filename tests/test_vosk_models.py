from voice_cecert.vosk_models import find_models, is_vosk_model, missing_parts


def make_model(path):
    for part in ("am", "conf", "graph"):
        (path / part).mkdir(parents=True)
    (path / "am" / "final.mdl").write_bytes(b"x" * 2_000_000)
    return path


def test_layout_checks():
    assert missing_parts({"am/final.mdl", "conf/model.conf", "graph/HCLr.fst"}) == []
    assert missing_parts({"am", "conf/model.conf"}) == ["am/final.mdl", "graph"]


def test_find_models_in_search_dirs(tmp_path, monkeypatch):
    models = tmp_path / "models"
    a = make_model(models / "vosk-model-a")
    (models / "not-a-model").mkdir()
    direct = make_model(tmp_path / "direct")
    monkeypatch.setenv("VOSK_MODEL_PATH", str(direct))
    assert is_vosk_model(a) and not is_vosk_model(models / "not-a-model")
    found = find_models([direct, models, models, tmp_path / "missing"])
    assert [m.name for m in found] == ["direct", "vosk-model-a"]
    assert found[1].size_mb == 2.0
    assert find_models()[0].path == direct  # the default dirs start with VOSK_MODEL_PATH
