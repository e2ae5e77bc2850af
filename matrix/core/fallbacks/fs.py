"""Files and paths through os."""

from __future__ import annotations

import os
import tempfile

from . import fallback


@fallback("fs.rename_replaces")
def rename_replaces() -> tuple[object, str]:
    with tempfile.TemporaryDirectory(prefix="pm-rename-") as tmp:
        src, dst = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        for path, text in ((src, "a"), (dst, "b")):
            with open(path, "w") as f:
                f.write(text)
        try:
            os.rename(src, dst)
        except OSError as exc:
            return "refused", f"os.rename: {type(exc).__name__}: {exc.strerror}"
    return "replaced", "os.rename over an existing file succeeded"


def _hosts_path() -> str:
    """Where Windows Sockets or the C library reads the hosts file."""
    if os.name != "nt":
        return "/etc/hosts"
    import ctypes

    buf = ctypes.create_unicode_buffer(260)
    n = ctypes.windll.kernel32.GetSystemDirectoryW(buf, len(buf))
    system = (
        buf.value
        if 0 < n < len(buf)
        else os.path.join(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32")
    )
    return os.path.join(system, "drivers", "etc", "hosts")


@fallback("fs.hosts_file")
def hosts_file() -> tuple[object, str]:
    path = _hosts_path()
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [line.split("#", 1)[0].split() for line in f]
    except FileNotFoundError as exc:
        return "absent", f"{path}: {exc.strerror}"
    except OSError as exc:
        return "unreadable", f"{path}: {exc.strerror}"
    listed = any("localhost" in words for words in lines)
    return "present", f"{path} {'lists' if listed else 'does not list'} localhost"
