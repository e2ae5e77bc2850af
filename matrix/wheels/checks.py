"""The checks a release manager makes on each wheel and on the sdist.

Each check is a small function returning a `Check`; a wheel's checks never
stop at the first failure, so one run shows everything wrong with a wheel.
The parsing is done by well-kept libraries: packaging (file names, tags,
metadata), installer (RECORD), lief (the binary), auditwheel (Linux policy)
and pip itself (whether a platform accepts the wheel).
"""

from __future__ import annotations

import email.parser
import fnmatch
import json
import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..platforms import POLICIES, SYSTEM_LIBRARIES
from . import tags
from .inspect import InspectError, inspect

__all__ = [
    "API_SYMBOLS",
    "LIBRARY_DIR",
    "Check",
    "check_auditwheel",
    "check_binary",
    "check_metadata",
    "check_name",
    "check_pip",
    "check_record",
    "check_runs",
    "check_sdist_contents",
    "check_wheel_file",
    "wrong_platform",
]

PROJECT = "portmatrix"
#: Where the native library sits in a wheel (see matrix/core/native.py).
LIBRARY_DIR = "matrix/core/_native/"
#: The C functions matrix/core/native.py calls through ctypes.
API_SYMBOLS = ("pp_abi_version", "pp_probe_count", "pp_probe_name", "pp_probe_run")
#: Files that would be native code, wherever in a wheel they sit.
NATIVE_SUFFIXES = (".so", ".dylib", ".dll", ".pyd")
#: Binary format of each OS's libraries.
FORMATS = {"linux": "elf", "macos": "macho", "windows": "pe"}
#: The newest Windows subsystem version a Windows 10 floor accepts.
WINDOWS_10 = (10, 0)
#: What the sdist must carry for a wheel build and the tests.
SDIST_MEMBERS = (
    "pyproject.toml",
    "PKG-INFO",
    "targets.yaml",
    "requirements.txt",
    "native/include/portprobe.h",
    "native/src/probes.def",
    "matrix/core/__init__.py",
    "matrix/wheels/hook.py",
)
TIMEOUT = 300


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def _guard(name: str, fn: Callable[[], Check]) -> Check:
    """Run one check; an exception inside it is that check failing, not the run."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - a broken artefact may break any parser
        return Check(name, False, f"{type(exc).__name__}: {exc}")


def _wheel_text(path: Path, member: str) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(member).decode("utf-8")


def _dist_info(path: Path) -> str:
    from packaging.utils import parse_wheel_filename

    name, version, _, _ = parse_wheel_filename(path.name)
    return f"{name.replace('-', '_')}-{version}.dist-info"


def check_name(path: Path, expected_tag: str) -> Check:
    """The file name parses, names portmatrix and carries exactly the expected tag."""
    from packaging.utils import parse_wheel_filename

    def run() -> Check:
        name, _, _, file_tags = parse_wheel_filename(path.name)
        found = sorted(str(t) for t in file_tags)
        if name != PROJECT:
            return Check("name", False, f"project {name}, expected {PROJECT}")
        if found != [expected_tag]:
            return Check("name", False, f"tags {', '.join(found)}, expected {expected_tag}")
        return Check("name", True, expected_tag)

    return _guard("name", run)


def check_wheel_file(path: Path) -> Check:
    """WHEEL lists the file name's tags, and Root-Is-Purelib fits having a binary or not."""
    from packaging.tags import parse_tag
    from packaging.utils import parse_wheel_filename

    def run() -> Check:
        text = _wheel_text(path, f"{_dist_info(path)}/WHEEL")
        wheel = email.parser.Parser().parsestr(text)
        listed = {t for line in wheel.get_all("Tag", []) for t in parse_tag(line)}
        named = set(parse_wheel_filename(path.name)[3])
        if listed != named:
            return Check(
                "WHEEL",
                False,
                f"WHEEL says {sorted(map(str, listed))}, the file name {sorted(map(str, named))}",
            )
        pure = all(t.platform == "any" for t in named)
        purelib = wheel.get("Root-Is-Purelib", "").strip().lower()
        if purelib != str(pure).lower():
            return Check(
                "WHEEL",
                False,
                f"Root-Is-Purelib is {purelib} for a {'pure' * pure or 'platform'} wheel",
            )
        return Check("WHEEL", True, f"Wheel-Version {wheel.get('Wheel-Version')}")

    return _guard("WHEEL", run)


def check_metadata(text: str, version: str) -> Check:
    """Core metadata validates and names this project and version."""
    from packaging.metadata import Metadata

    def run() -> Check:
        meta = Metadata.from_email(text, validate=True)
        if meta.name != PROJECT or str(meta.version) != version:
            return Check(
                "metadata", False, f"{meta.name} {meta.version}, expected {PROJECT} {version}"
            )
        return Check("metadata", True, f"Metadata-Version {meta.metadata_version}")

    return _guard("metadata", run)


def check_record(path: Path) -> Check:
    """Every file is in RECORD with the right hash and size."""
    from installer.sources import WheelFile

    def run() -> Check:
        with WheelFile.open(path) as source:
            source.validate_record()
        return Check("RECORD", True)

    return _guard("RECORD", run)


def _libraries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.lower().endswith(NATIVE_SUFFIXES)}


def check_binary(path: Path, platform: tags.PlatformTag | None) -> Check:
    """The one native library has the tag's format, architecture and floor, and links only the system."""

    def run() -> Check:
        found = _libraries(path)
        if platform is None:
            return Check(
                "binary",
                not found,
                f"native files in a pure wheel: {sorted(found)}"
                if found
                else "none, as a pure wheel should",
            )
        want = LIBRARY_DIR + POLICIES[platform.os].shared_name
        if sorted(found) != [want]:
            return Check("binary", False, f"native files {sorted(found)}, expected [{want}]")
        problems = list(_binary_problems(found[want], platform))
        return Check("binary", not problems, "; ".join(problems) or _binary_summary(found[want]))

    return _guard("binary", run)


def _binary_summary(data: bytes) -> str:
    facts = inspect(data)
    floor = facts.glibc or facts.min_os
    return f"{facts.format} {facts.arch}" + (f" {'.'.join(map(str, floor))}" if floor else "")


def _binary_problems(data: bytes, platform: tags.PlatformTag) -> Iterable[str]:
    try:
        facts = inspect(data)
    except InspectError as exc:
        yield str(exc)
        return
    if facts.format != FORMATS[platform.os]:
        yield f"{facts.format} binary in a {platform.os} wheel"
    if facts.arch != platform.arch:
        yield f"{facts.arch} binary in a {platform.arch} wheel"
    yield from _floor_problems(facts, platform)
    allowed = SYSTEM_LIBRARIES[platform.libc]
    extra = [lib for lib in facts.libraries if not _allowed(lib, allowed)]
    if extra:
        yield f"links {', '.join(extra)}, not a system library of {platform.libc}"
    missing = [s for s in API_SYMBOLS if s not in facts.exports]
    if missing:
        yield f"does not export {', '.join(missing)}"


def _floor_problems(facts, platform: tags.PlatformTag) -> Iterable[str]:
    if platform.libc == "glibc" and facts.glibc and facts.glibc > platform.floor:
        yield f"needs GLIBC_{'.'.join(map(str, facts.glibc))}, above the tag's {platform.floor_text}"
    if platform.os == "macos" and (facts.min_os or ())[:2] != platform.floor:
        shown = ".".join(map(str, facts.min_os)) if facts.min_os else "none"
        yield f"minimum macOS {shown}, the tag says {platform.floor_text}"
    if platform.os == "windows" and (facts.min_os is None or facts.min_os > WINDOWS_10):
        yield f"subsystem version {facts.min_os} is newer than Windows 10"


def _allowed(library: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(library.lower(), p.lower()) for p in patterns)


def check_auditwheel(path: Path, platform: tags.PlatformTag, empty_dir: Path) -> Check:
    """auditwheel agrees: no symbol above the tag's glibc, no library outside the policy.

    The host's libraries are kept out of the analysis (an empty --ldpaths):
    a foreign wheel must stand on its policy alone.  zig links musl's libc by
    the name `libc.so`, which musl's dynamic linker resolves to itself like
    every `libc.*` name, while auditwheel's musllinux policy knows it as
    `libc.musl-<arch>.so.1`; that one library is accepted for a musllinux tag
    when auditwheel's symbol check agrees with the tag.
    """

    def run() -> Check:
        cmd = [
            sys.executable,
            "-m",
            "auditwheel",
            "show",
            "--json",
            "--ldpaths",
            str(empty_dir),
            str(path),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
        if proc.returncode != 0:
            return Check("auditwheel", False, (proc.stderr.strip().splitlines() or ["failed"])[-1])
        report = json.loads(proc.stdout)
        overall, symbols = report["overall_tag"], report["sym_tag"]
        external = sorted(report.get("external_libs") or {})
        if overall == platform.tag or _policy_covers(overall, platform):
            return Check("auditwheel", True, overall)
        if (
            platform.libc == "musl"
            and external == ["libc.so"]
            and _policy_covers(symbols, platform)
        ):
            return Check("auditwheel", True, f"{symbols} (libc.so is musl's own libc)")
        return Check(
            "auditwheel",
            False,
            f"auditwheel says {overall}, external {external}, the tag is {platform.tag}",
        )

    return _guard("auditwheel", run)


def _policy_covers(policy_tag: str, platform: tags.PlatformTag) -> bool:
    """A policy at or below the tag's floor, for the same libc and architecture."""
    try:
        said = tags.parse(policy_tag)
    except tags.TagError:
        return False
    same = (said.os, said.arch, said.libc) == (platform.os, platform.arch, platform.libc)
    return same and said.floor is not None and said.floor <= platform.floor


def wrong_platform(platform: tags.PlatformTag, others: Iterable[str]) -> str:
    """A platform the wheel must not install on: same OS and libc, other architecture."""
    parsed = [tags.parse(t) for t in others if t != platform.tag]
    for other in parsed:
        if (other.os, other.libc) == (platform.os, platform.libc) and other.arch != platform.arch:
            return other.tag
    return parsed[0].tag


def _pip_install(path: Path, platform: str, target: Path) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--no-index", "--only-binary=:all:", "--platform", platform,
        "--target", str(target), str(path),
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)


def check_pip(path: Path, platform: str, wrong: str, work: Path) -> Check:
    """pip installs the wheel for its platform and refuses it for a wrong one."""

    def run() -> Check:
        accepted = _pip_install(path, platform, work / "accepted")
        if accepted.returncode != 0:
            return Check("pip", False, f"refused for {platform}: {_last_line(accepted.stderr)}")
        if platform != "any":
            installed = list((work / "accepted" / LIBRARY_DIR).glob("*"))
            if not installed:
                return Check("pip", False, f"installed for {platform} without the native library")
        refused = _pip_install(path, wrong, work / "refused")
        if refused.returncode == 0:
            return Check("pip", False, f"accepted for the wrong platform {wrong}")
        if "is not a supported wheel" not in refused.stderr:
            return Check("pip", False, f"{wrong}: {_last_line(refused.stderr)}")
        return Check("pip", True, f"accepted for {platform}, refused for {wrong}")

    return _guard("pip", run)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no output"


def check_runs(path: Path, work: Path, native: bool) -> Check:
    """Installed in a fresh venv, the wheel runs every probe, natively and on the fallbacks."""

    def run() -> Check:
        python = _fresh_venv(path, work / "venv")
        info = json.loads(_probe(python, ["--info"], {}).stdout)
        if (info["backend"] == "native") != native:
            return Check("runs", False, f"backend {info['backend']}: {info['native_unavailable']}")
        lines = {}
        for backend in ("native", "python") if native else ("python",):
            results = [
                json.loads(x)
                for x in _probe(python, [], {"PORTMATRIX_BACKEND": backend}).stdout.splitlines()
            ]
            wrong = [r["probe"] for r in results if r.get("backend") != backend]
            if not results or wrong:
                return Check(
                    "runs", False, f"{backend}: {len(results)} results, wrong backend for {wrong}"
                )
            lines[backend] = len(results)
        return Check("runs", True, ", ".join(f"{n} probes {b}" for b, n in lines.items()))

    return _guard("runs", run)


def _fresh_venv(path: Path, folder: Path) -> Path:
    venv.EnvBuilder(clear=True, with_pip=False).create(folder)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    cmd = [
        sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
        "--disable-pip-version-check", "--no-deps", "--no-index", str(path),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=TIMEOUT)
    return python


def _probe(python: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -I -m matrix.core ARGS` from a neutral folder, so only the venv is imported."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PORTMATRIX_")}
    cmd = [str(python), "-I", "-m", "matrix.core", *args]
    proc = subprocess.run(
        cmd,
        cwd=python.parent,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"matrix.core {' '.join(args)} exited {proc.returncode}: {_last_line(proc.stderr)}"
        )
    return proc


def check_sdist_contents(path: Path) -> Check:
    """The sdist has what a wheel build needs and no built library."""

    def run() -> Check:
        with tarfile.open(path) as tf:
            names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
        missing = [m for m in SDIST_MEMBERS if m not in names]
        built = sorted(
            n for n in names if n.startswith(LIBRARY_DIR) or n.lower().endswith(NATIVE_SUFFIXES)
        )
        if missing or built:
            return Check("contents", False, f"missing {missing}, built files {built}")
        return Check("contents", True, f"{len(names)} files")

    return _guard("contents", run)
