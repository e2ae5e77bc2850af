"""Content-addressed keys and atomic writes.

A key is the SHA-256 of everything that determines an output (zig version,
target triple and floor, flags, source text, runner and its version), so an
unchanged input finds its old output and any change misses.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["ResultCache", "file_digest", "key", "write_atomic"]

#: Read once at import: os.umask can only be read by setting it, which is not
#: safe while other threads create files.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def key(*parts: Any) -> str:
    """A stable hash of JSON-serialisable parts."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file 0600; give it the mode open() would have.
        os.chmod(tmp, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as f:
            # Text that UTF-8 cannot hold (lone surrogates, which an undecodable
            # file name or a hostile results file can bring) is replaced
            # rather than failing the write.
            f.write(data.encode("utf-8", "replace") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ResultCache:
    """JSON results stored by key under one folder; `fresh` ignores what is stored."""

    def __init__(self, root: Path, *, fresh: bool = False) -> None:
        self.root = root
        self.fresh = fresh

    def _path(self, k: str) -> Path:
        return self.root / k[:2] / f"{k}.json"

    def get(self, k: str) -> Any | None:
        if self.fresh:
            return None
        try:
            return json.loads(self._path(k).read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, k: str, value: Any) -> None:
        write_atomic(self._path(k), json.dumps(value, sort_keys=True))
