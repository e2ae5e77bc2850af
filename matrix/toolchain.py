"""The zig toolchain, from the `ziglang` package of the running Python.

`python -m ziglang` execs the `zig` binary that ships inside the package; we
call that binary directly, which is the same program without a second Python
start for each of the hundreds of compiles a matrix makes.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from . import process
from .errors import ToolchainError
from .targets import ZigFacts, parse_version

__all__ = ["PINNED_VERSION", "RUNTIME_FLAGS", "Zig", "find"]

log = logging.getLogger(__name__)

#: The zig release the catalogue's build-time results were checked with;
#: pyproject.toml pins the ziglang package to it.
PINNED_VERSION = "0.17.0"
#: The ziglang release carrying it (0.17.0.post0 adds wheels for Windows).
PINNED_PACKAGE = "ziglang==0.17.0.post0"

INSTALL_HINT = f"install it with: {Path(sys.executable).name} -m pip install {PINNED_PACKAGE}"

#: The flags every compile and link of the matrix passes.  zig builds each
#: target's libc, compiler_rt and import libraries once per optimisation mode
#: and strip setting, so links that differed in -s alone would build them all
#: twice (a stripped x86_64-linux-musl executable after an unstripped one:
#: 44 s more, measured).  -O2 also keeps zig's debug-mode sanitizer runtime
#: out of the binaries; stripping leaves the bytes depending on the inputs
#: alone (no symbol table, no PE debug directory hashing the output path).
RUNTIME_FLAGS = ("-O2", "-s")

#: zig's cache is shared by concurrent compiles; two of them can race on the
#: same entry and one fails with one of these, although retrying succeeds.
CACHE_RACE = re.compile(r"failed to rename|FileNotFound|unable to (?:rename|create) .*cache", re.I)
RETRIES = 4


@dataclass(frozen=True)
class Zig:
    exe: Path
    version: str

    def cc(
        self, args: Sequence[str], *, cwd: Path | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run `zig cc ARGS`, retrying the cache races concurrent compiles hit."""
        cmd = [str(self.exe), "cc", *args]
        for attempt in range(1, RETRIES + 1):
            proc = process.run(cmd, cwd=cwd, text=True, timeout=timeout, errors="replace")
            if proc.returncode == 0 or not CACHE_RACE.search(proc.stderr):
                return proc
            log.info(
                "zig cache race (attempt %d of %d): %s",
                attempt,
                RETRIES,
                proc.stderr.strip().splitlines()[-1:],
            )
            time.sleep(0.05 * attempt)
        return proc

    @cached_property
    def facts(self) -> ZigFacts:
        """The triples zig has a libc for and the glibc versions it can target."""
        out = process.run([str(self.exe), "targets"], text=True, timeout=120).stdout
        return ZigFacts(
            libc_triples=frozenset(_zon_list(out, "libc")),
            glibc_versions=frozenset(parse_version(v) for v in _zon_list(out, "glibc")),
        )


def _zon_list(text: str, field: str) -> list[str]:
    """The strings of `.field = .{ "a", "b", }` in zig's ZON output."""
    m = re.search(r"\." + field + r"\s*=\s*\.\{(.*?)\}", text, re.S)
    return re.findall(r'"([^"]+)"', m.group(1)) if m else []


def find(required: str | None = PINNED_VERSION) -> Zig:
    """Locate zig in the running Python's ziglang package and check its version."""
    spec = importlib.util.find_spec("ziglang")
    if spec is None or spec.origin is None:
        raise ToolchainError(f"zig not found: the ziglang package is not installed; {INSTALL_HINT}")
    exe = Path(spec.origin).parent / ("zig.exe" if os.name == "nt" else "zig")
    if not exe.exists():
        raise ToolchainError(f"zig not found at {exe}; reinstall: {INSTALL_HINT}")
    try:
        proc = process.run([str(exe), "version"], text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"zig at {exe} does not start ({exc}); {INSTALL_HINT}") from None
    version = proc.stdout.strip()
    if proc.returncode != 0 or not version:
        raise ToolchainError(f"zig at {exe} failed: {proc.stderr.strip()[:200]}; {INSTALL_HINT}")
    if required and version != required:
        raise ToolchainError(f"zig {version} found, portmatrix needs {required}; {INSTALL_HINT}")
    return Zig(exe, version)
