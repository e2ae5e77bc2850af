"""Running Windows x86_64 programs under wine64.

wine reimplements the Win32 API and the C runtime on the host's libc, so its
answers are wine's, not Windows': the report says "wine" in every such cell.
A private prefix under the cache folder keeps runs away from the user's own
wine set-up; the first start creates it (about ten seconds).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..platforms import Host
from ..targets import Target
from .base import Availability, tool_version

__all__ = ["WineRunner"]

#: Where Debian's wine64 package puts the 64-bit loader.
DEBIAN_WINE64 = Path("/usr/lib/wine/wine64")


def _wine64() -> str | None:
    found = shutil.which("wine64")
    if found:
        return found
    return str(DEBIAN_WINE64) if DEBIAN_WINE64.exists() else None


class WineRunner:
    name = "wine"
    backend = "native"

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix.resolve()

    def check(self, target: Target, host: Host) -> Availability:
        if target.os != "windows":
            return Availability(False, reason="wine runs Windows programs only")
        if host.os != "linux" or host.arch != "x86_64" or target.arch != "x86_64":
            return Availability(
                False,
                reason=f"wine64 runs x86_64 Windows programs on an "
                f"x86_64 Linux host, not {target.arch} on {host}",
            )
        exe = _wine64()
        if exe is None:
            return Availability(
                False, reason="wine64 not found", hint="install it with: apt-get install wine64"
            )
        problem = self._prefix_problem()
        if problem:
            return Availability(
                False,
                reason=f"wine prefix {self.prefix} {problem}",
                hint="remove it (it is rebuilt on the next run) or pass another --cache-dir",
            )
        version = tool_version(exe, "--version") or tool_version("wine", "--version")
        return Availability(True, version=version or "wine")

    def _prefix_problem(self) -> str:
        """Why wine would refuse the prefix, or '' (wine wants a folder of our own)."""
        try:
            self.prefix.mkdir(parents=True, exist_ok=True)
            owner = self.prefix.stat().st_uid
        except OSError as exc:
            return f"cannot be used: {exc.strerror or exc}"
        if owner != os.getuid():
            return f"belongs to user {owner}, and wine runs only in a prefix of its own user"
        return ""

    def command(self, target: Target, program: Path) -> list[str]:
        return [_wine64() or "wine64", str(program)]

    def environment(self, target: Target) -> dict[str, str]:
        return {
            "WINEPREFIX": str(self.prefix),
            "WINEDEBUG": "-all",
            # No Mono or Gecko install dialogs: the probes need neither.  No
            # winedbg either: started on a crash, it prints a dump on stdout
            # and now and then makes wine exit 0, so a crash would pass for
            # bad output; without it wine exits with the exception code's
            # low byte every time.
            "WINEDLLOVERRIDES": "mscoree,mshtml=;winedbg.exe=d",
            "DISPLAY": os.environ.get("DISPLAY", ""),
        }
