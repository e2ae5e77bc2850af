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
import tempfile
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
#: target's libc, compiler_rt and import libraries once for each combination
#: of optimisation, strip, visibility and sanitizer settings, so links that
#: differed in one of them would build them all again (measured for
#: x86_64-linux-musl: 44 s for a stripped executable after an unstripped one,
#: 39 s for a static one after -fvisibility=hidden builds).  -O2 and
#: -fno-sanitize=undefined keep zig's sanitizer runtime out of the binaries;
#: stripping leaves the bytes depending on the inputs alone (no symbol table,
#: no PE debug directory hashing the output path); hidden visibility leaves
#: only what a shared library marks for export visible.
RUNTIME_FLAGS = ("-O2", "-g0", "-s", "-fvisibility=hidden", "-fno-sanitize=undefined")

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
        """Run `zig cc ARGS`, retrying the cache races concurrent compiles hit.

        zig keys its libc builds partly by the path of its own installation as
        seen from the working folder, which is relative when the installation
        is below it: a compile started from a checkout holding .nox/harness
        would build every runtime again (measured: 35 s for x86_64-linux-musl).
        Such compiles, and those given no folder, run in the temporary folder;
        their arguments must be absolute paths.
        """
        cmd = [str(self.exe), "cc", *args]
        if cwd is None or self.exe.resolve().is_relative_to(Path(cwd).resolve()):
            cwd = Path(tempfile.gettempdir())
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
