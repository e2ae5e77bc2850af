"""What every runner offers: whether it can run a target here, and how."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .. import process
from ..platforms import Host
from ..targets import Target

__all__ = ["Availability", "Runner", "tool_version"]


@dataclass(frozen=True)
class Availability:
    ok: bool
    version: str = ""
    reason: str = ""
    hint: str = ""

    def explain(self) -> str:
        return f"{self.reason}; {self.hint}" if self.hint else self.reason


class Runner(Protocol):
    """A way to execute a target's binaries on this host."""

    name: str
    #: "native" runs the portprobe executable; "python" runs the fallbacks.
    backend: str

    def check(self, target: Target, host: Host) -> Availability:
        """Can this runner execute `target`'s programs here, and with which version?"""

    def command(self, target: Target, program: Path) -> list[str]:
        """The argument list that starts `program` (no shell is ever involved)."""

    def environment(self, target: Target) -> dict[str, str]:
        """Variables to add to the environment of the started program."""


def tool_version(exe: str, *args: str) -> str:
    """First line a tool prints for its version, or '' if it cannot be run."""
    path = shutil.which(exe)
    if path is None:
        return ""
    try:
        proc = process.run([path, *args], text=True, timeout=60, errors="replace")
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[0].strip() if lines else ""
