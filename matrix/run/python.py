"""Running the pure-Python fallbacks, in a child Python, on the host's own target."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from ..platforms import Host
from ..targets import Target
from .base import Availability

__all__ = ["PythonRunner"]


class PythonRunner:
    name = "python"
    backend = "python"

    def check(self, target: Target, host: Host) -> Availability:
        if (target.os, target.arch, target.libc) != (host.os, host.arch, host.libc):
            return Availability(False, reason=f"the fallbacks run on the host ({host}) only")
        return Availability(
            True, version=f"{platform.python_implementation()} {platform.python_version()}"
        )

    def command(self, target: Target, program: Path) -> list[str]:
        return [sys.executable, "-m", "matrix.core", "--backend", "python"]

    def environment(self, target: Target) -> dict[str, str]:
        root = str(Path(__file__).resolve().parents[2])
        paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        return {"PYTHONPATH": os.pathsep.join(paths)}
