"""Building the native core for one target: the portprobe executable and the shared library."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from .. import cache
from ..platforms import OS_FILE_PREFIXES, POLICIES, OsPolicy
from ..targets import Target
from ..toolchain import RUNTIME_FLAGS, Zig

__all__ = [
    "CFLAGS",
    "NATIVE_DIR",
    "CoreBuild",
    "build_core",
    "core_key",
    "core_sources",
    "native_probe_names",
]

log = logging.getLogger(__name__)

#: The C sources: the checkout's native/, else the copy an installed wheel
#: carries (matrix/_sources/native), so the harness builds from either.
NATIVE_DIR = next(
    (
        p
        for p in (
            Path(__file__).resolve().parents[2] / "native",
            Path(__file__).resolve().parents[1] / "_sources" / "native",
        )
        if (p / "src" / "probes.def").is_file()
    ),
    Path(__file__).resolve().parents[2] / "native",
)

#: Portable C11 with warnings as errors, optimised and stripped like every
#: build of the matrix (see toolchain.RUNTIME_FLAGS); nothing at run time
#: needs the symbol table, and without it the wheels rebuild byte for byte.
#: Hidden visibility leaves only the PP_EXTERN functions of portprobe.h
#: exported from the shared library.
CFLAGS = ("-std=c11", *RUNTIME_FLAGS, "-Wall", "-Wextra", "-Werror")

#: The define that compiles the test-only probes (native/src/testprobes.c)
#: into a core; only the builds of `--test-probes` runs set it, and they go to
#: their own folder so that the shipped build is never replaced by one.
TEST_DEFINE = "PP_TEST_PROBES"
TEST_FOLDER = "test-probes"

PROBE_LINE = re.compile(r'^PP_PROBE\(\s*\w+\s*,\s*"([^"]+)"\s*\)')


@dataclass(frozen=True)
class CoreBuild:
    target: str
    ok: bool
    executable: Path | None = None
    library: Path | None = None
    error: str = ""
    seconds: float = 0.0
    cached: bool = False


def core_sources(policy: OsPolicy, native: Path = NATIVE_DIR) -> list[Path]:
    """The C files compiled for an OS: the portable ones and its platform folder."""
    src = native / "src"
    files = sorted(src.glob("*.c"))
    for folder in policy.source_dirs:
        for path in sorted((src / folder).glob("*.c")):
            prefix = path.name.split("-", 1)[0] if "-" in path.name else ""
            if prefix not in OS_FILE_PREFIXES or prefix == policy.file_prefix:
                files.append(path)
    return files


def _inputs(sources: list[Path], native: Path) -> dict[str, str]:
    """The target's C files and every header, by content hash.

    A change to another platform's C file does not change this target's key.
    """
    headers = [p for p in native.rglob("*") if p.is_file() and p.suffix in {".h", ".def"}]
    return {
        p.relative_to(native).as_posix(): cache.key(p.read_bytes().hex())
        for p in sorted({*sources, *headers})
    }


def core_key(
    zig_version: str, target: Target, native: Path = NATIVE_DIR, *, test_probes: bool = False
) -> str:
    """What determines a target's core: zig, triple and floor, flags, libs, source text."""
    policy = POLICIES[target.os]
    flags = [
        f.replace(str(native), "<native>") for f in _flags(target, policy, native, test_probes)
    ]
    sources = core_sources(policy, native)
    return cache.key(
        zig_version,
        target.triple,
        target.floor,
        flags,
        policy.shared_flags,
        policy.libs,
        _inputs(sources, native),
    )


def _flags(target: Target, policy: OsPolicy, native: Path, test_probes: bool = False) -> list[str]:
    return [
        "-target",
        target.triple,
        *CFLAGS,
        f"-I{native / 'include'}",
        f"-I{native / 'src'}",
        *(f"-D{d}" for d in policy.defines),
        *([f"-D{TEST_DEFINE}"] if test_probes else []),
    ]


def build_core(
    zig: Zig, target: Target, out: Path, native: Path = NATIVE_DIR, *, test_probes: bool = False
) -> CoreBuild:
    """Build portprobe and the shared library into out/<target>/; reuse them if unchanged.

    With `test_probes` the core also holds the test-only probes and is built
    into out/test-probes/<target>/ instead.
    """
    started = time.monotonic()
    policy = POLICIES[target.os]
    folder = ((out / TEST_FOLDER if test_probes else out) / target.identifier).resolve()
    exe = folder / f"portprobe{policy.exe_suffix}"
    lib = folder / policy.shared_name
    flags = _flags(target, policy, native, test_probes)
    stamp = folder / "core.key"
    k = core_key(zig.version, target, native, test_probes=test_probes)
    if exe.exists() and lib.exists() and _read(stamp) == k:
        return CoreBuild(target.identifier, True, exe, lib, cached=True)
    folder.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)
    sources = [str(p) for p in core_sources(policy, native)]
    libs = [f"-l{name}" for name in policy.libs]
    main = str(native / "src" / "main.c")
    shared_flags = ["-shared", "-DPP_BUILDING_SHARED", *policy.shared_flags]
    library_sources = [s for s in sources if s != main]
    steps = [
        [*flags, *sources, *libs, "-o", str(exe)],
        [*flags, *shared_flags, *library_sources, *libs, "-o", str(lib)],
    ]
    for args in steps:
        proc = zig.cc(args, cwd=folder)
        if proc.returncode != 0:
            error = _first_error(proc.stderr) or f"zig cc exited with {proc.returncode}"
            log.info("core build of %s failed:\n%s", target.identifier, proc.stderr)
            return CoreBuild(
                target.identifier, False, error=error, seconds=time.monotonic() - started
            )
    cache.write_atomic(stamp, k)
    return CoreBuild(target.identifier, True, exe, lib, seconds=time.monotonic() - started)


def native_probe_names(native: Path = NATIVE_DIR, *, test_probes: bool = False) -> list[str]:
    """The run-time probes compiled into the native core, from native/src/probes.def.

    The lines inside `#ifdef PP_TEST_PROBES` count only for a test build, as
    they do for the compiler.
    """
    text = (native / "src" / "probes.def").read_text("utf-8")
    names, in_test = [], False
    for line in text.splitlines():
        if re.match(rf"^#\s*ifdef\s+{TEST_DEFINE}\b", line):
            in_test = True
        elif re.match(r"^#\s*endif\b", line):
            in_test = False
        elif (m := PROBE_LINE.match(line)) and (test_probes or not in_test):
            names.append(m[1])
    return names


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except OSError:
        return ""


def _first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if "error" in line.lower():
            return line.strip()[:300]
    return stderr.strip().splitlines()[0][:300] if stderr.strip() else ""
