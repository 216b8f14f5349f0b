"""Fetching a vosk model: the only network access in the whole app, and only when asked.

`voice-cecert models download NAME_OR_URL` downloads a zip into a temp file next to the models
folder, checks it (optional SHA-256, a readable zip, no path that escapes the folder, the vosk
model layout), unpacks it into a temp folder and only then renames it into place. Whatever goes
wrong, including Ctrl-C, the temp files are removed: a half-written model never exists.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

from voice_cecert import paths, vosk_models
from voice_cecert.errors import UserError

BASE_URL = "https://alphacephei.com/vosk/models/"
KNOWN = {
    "small-en-us": "vosk-model-small-en-us-0.15",
    "en-us-lgraph": "vosk-model-en-us-0.22-lgraph",
}
CHUNK = 1 << 16
TIMEOUT_S = 30


def resolve(name_or_url: str) -> tuple[str, str]:
    """(url, folder name) for a known short name, a full vosk model name, or a URL."""
    text = name_or_url.strip()
    if text.startswith(("http://", "https://")):
        base = PurePosixPath(urllib.parse.urlparse(text).path).name
        folder = base[:-4] if base.endswith(".zip") else base
        if not folder or folder.startswith("."):
            raise UserError(f"cannot name a model after the URL {text}")
        return text, folder
    folder = KNOWN.get(text, text)
    if folder not in KNOWN.values():
        known = ", ".join(f"{k} ({v})" for k, v in KNOWN.items())
        raise UserError(f"unknown model '{text}' (known: {known}; or give a URL to a .zip)")
    return f"{BASE_URL}{folder}.zip", folder


def models_dir() -> Path:
    folder = paths.data_dir() / "models"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def download(
    name_or_url: str,
    dest: Path | None = None,
    sha256: str | None = None,
    progress: bool = True,
) -> Path:
    url, folder = resolve(name_or_url)
    dest = dest if dest is not None else models_dir()
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / folder
    if target.exists():
        raise UserError(f"{target} already exists; remove it first to download it again")
    fd, part = tempfile.mkstemp(prefix=f".{folder}.", suffix=".part", dir=dest)
    staging: Path | None = None
    try:
        with os.fdopen(fd, "wb") as fh:
            digest = _fetch(url, fh, progress)
        if sha256 and digest != sha256.strip().lower():
            raise UserError(f"{url}: SHA-256 is {digest}, expected {sha256.strip().lower()}")
        staging = Path(tempfile.mkdtemp(prefix=f".{folder}.", suffix=".unpack", dir=dest))
        root = _unpack(Path(part), staging, url)
        os.replace(root, target)
    finally:
        Path(part).unlink(missing_ok=True)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _fetch(url: str, fh, progress: bool) -> str:
    from tqdm import tqdm

    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            received = 0
            with tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                desc="downloading",
                disable=not progress,
                file=sys.stderr,
                ascii=not sys.stderr.isatty(),  # plain characters for screen readers and logs
                mininterval=2.0,  # a screen reader re-reads every update: keep them few
            ) as bar:
                while chunk := response.read(CHUNK):
                    fh.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as exc:
        raise UserError(f"download failed: {url} answered HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(f"download failed: cannot reach {url} ({reason})") from exc
    if total is not None and received != total:
        raise UserError(f"download failed: got {received} of {total} bytes from {url}")
    return digest.hexdigest()


def _safe_names(archive: zipfile.ZipFile, url: str) -> list[str]:
    names = []
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")
        pure = PurePosixPath(name)
        is_link = stat.S_ISLNK(info.external_attr >> 16)
        if pure.is_absolute() or ".." in pure.parts or ":" in name or is_link:
            raise UserError(f"{url}: refusing unsafe path in the zip: {info.filename}")
        names.append(name)
    return names


def _unpack(zip_path: Path, staging: Path, url: str) -> Path:
    """Unpack into `staging`; return the model folder inside it (layout checked first)."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"{url}: not a valid zip file ({exc})") from exc
    with archive:
        names = _safe_names(archive, url)
        tops = {PurePosixPath(n).parts[0] for n in names if n.strip("/")}
        prefix = f"{next(iter(tops))}/" if len(tops) == 1 else ""
        inner = {n[len(prefix) :].rstrip("/") for n in names if n.startswith(prefix)}
        missing = vosk_models.missing_parts(inner)
        if missing:
            raise UserError(f"{url}: not a vosk model (the zip has no {', '.join(missing)})")
        try:
            bad = archive.testzip()
            if bad is not None:
                raise UserError(f"{url}: the zip is damaged ({bad} fails its checksum)")
            archive.extractall(staging)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise UserError(f"{url}: the zip is damaged ({exc})") from exc
    return staging / prefix if prefix else staging
