"""Files and paths through os and tempfile; everything happens in a private temporary folder."""

from __future__ import annotations

import os
import tempfile

from . import fallback


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _move_over(move, name: str) -> tuple[object, str]:
    """Move a file onto an existing one with `move`; 'replaced' or 'refused'."""
    with tempfile.TemporaryDirectory(prefix=f"pm-{name}-") as tmp:
        src, dst = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        _write(src, "a")
        _write(dst, "b")
        try:
            move(src, dst)
        except OSError as exc:
            return "refused", f"os.{name}: {type(exc).__name__}: {exc.strerror}"
    return "replaced", f"os.{name} over an existing file succeeded"


@fallback("fs.rename_replaces")
def rename_replaces() -> tuple[object, str]:
    return _move_over(os.rename, "rename")


@fallback("fs.replace_existing")
def replace_existing() -> tuple[object, str]:
    return _move_over(os.replace, "replace")


@fallback("fs.tempdir_realpath")
def tempdir_realpath() -> tuple[object, str]:
    folder = tempfile.gettempdir()
    real = os.path.realpath(folder)
    return ("equal" if real == folder else "differs"), f"{folder} -> {real}"


@fallback("fs.reserved_name")
def reserved_name() -> tuple[object, str]:
    text = "portmatrix"
    with tempfile.TemporaryDirectory(prefix="pm-reserved-") as tmp:
        path = os.path.join(tmp, "nul")
        _write(path, text)
        with open(path) as f:
            back = f.read()
    if back == text:
        return "file", '"nul" kept what was written to it'
    return "device", 'writes to "nul" left nothing to read back'


@fallback("fs.symlink_create")
def symlink_create() -> tuple[object, str]:
    with tempfile.TemporaryDirectory(prefix="pm-symlink-") as tmp:
        link = os.path.join(tmp, "link")
        try:
            os.symlink("target", link)
        except OSError as exc:
            code = getattr(exc, "winerror", None) or exc.errno
            return f"error {code}", f"os.symlink: {type(exc).__name__}: {exc.strerror}"
    return "created", "os.symlink to a relative target succeeded"
