"""Writing user files so that a crash never leaves a half-written one.

Everything goes to a temp file in the same folder, is fsynced, then renamed over the target
(rename is atomic on POSIX and Windows); the result is readable by the user alone.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private_atomic(path: Path, data: bytes | str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
