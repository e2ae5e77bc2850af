"""Platform facts: the one place that knows how operating systems differ.

Everything that depends on the OS or architecture of a target or of the host,
on the Python side, is looked up here: the spelling of architectures, which
native sources and flags an OS builds with, and how its binaries are named.
"""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ARCH_SYNONYMS",
    "Host",
    "OsPolicy",
    "POLICIES",
    "SYSTEM_LIBRARIES",
    "host",
    "kill_process_group",
    "normalize_arch",
    "process_group_options",
]

#: Architecture spellings used by OSes, Python and packaging, to ours.
ARCH_SYNONYMS = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "x64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "aarch64",
}


def normalize_arch(name: str) -> str:
    """Map an architecture as any tool spells it to its portmatrix name."""
    return ARCH_SYNONYMS.get(name.lower(), name.lower())


@dataclass(frozen=True)
class OsPolicy:
    """How the native core is built for one operating system."""

    os: str
    #: Folders under native/src compiled for this OS, besides native/src itself.
    source_dirs: tuple[str, ...]
    #: Files in those folders named "<prefix>-*.c" belong to this OS only.
    file_prefix: str
    defines: tuple[str, ...]
    libs: tuple[str, ...]
    exe_suffix: str
    shared_name: str
    #: Flags for linking the shared library, besides -shared.
    shared_flags: tuple[str, ...] = ()
    #: Extra flags for build-time probes, so that declarations newer than the
    #: target's floor count as absent instead of compiling with a warning.
    probe_flags: tuple[str, ...] = ()


POLICIES = {
    "linux": OsPolicy(
        os="linux",
        source_dirs=("unix",),
        file_prefix="linux",
        defines=("_POSIX_C_SOURCE=200809L", "_DEFAULT_SOURCE"),
        libs=(),
        exe_suffix="",
        shared_name="libportprobe.so",
        shared_flags=("-fPIC",),
    ),
    "macos": OsPolicy(
        os="macos",
        source_dirs=("unix",),
        file_prefix="darwin",
        defines=("_DARWIN_C_SOURCE",),
        libs=(),
        exe_suffix="",
        shared_name="libportprobe.dylib",
        # The install name is recorded in the library; the linker's default,
        # the output path, would tie the bytes to the build folder.
        shared_flags=("-fPIC", "-Wl,-install_name,@rpath/libportprobe.dylib"),
        probe_flags=(
            "-Werror=unguarded-availability",
            "-Werror=unguarded-availability-new",
        ),
    ),
    "windows": OsPolicy(
        os="windows",
        source_dirs=("win",),
        file_prefix="win",
        defines=("WIN32_LEAN_AND_MEAN",),
        libs=("ws2_32", "bcrypt"),
        exe_suffix=".exe",
        shared_name="portprobe.dll",
    ),
}

#: Shared libraries the system of each libc provides, as case-insensitive
#: fnmatch patterns: what a wheel's native core may link and nothing else.
#: glibc: the libraries PEP 600 lets a manylinux wheel assume (libc, libm,
#: libpthread, libdl, librt and the loader); musl: its libc, which also
#: answers to the names of the others; macOS: libSystem; Windows: the system
#: DLLs the core calls and the Universal CRT API sets Windows 10 ships.
SYSTEM_LIBRARIES = {
    "glibc": (
        "libc.so.6",
        "libm.so.6",
        "libpthread.so.0",
        "libdl.so.2",
        "librt.so.1",
        "ld-linux-*.so.*",
    ),
    "musl": ("libc.so", "libc.musl-*.so.1"),
    "libsystem": ("/usr/lib/libSystem.B.dylib",),
    "mingw": ("kernel32.dll", "ws2_32.dll", "bcrypt.dll", "api-ms-win-crt-*-l1-1-0.dll"),
}

#: Prefixes of OS-specific files; a file with another OS's prefix is skipped.
OS_FILE_PREFIXES = frozenset(p.file_prefix for p in POLICIES.values())


@dataclass(frozen=True)
class Host:
    """The machine portmatrix runs on."""

    os: str
    arch: str
    libc: str

    def __str__(self) -> str:
        return f"{self.os}-{self.arch}-{self.libc}"


def host() -> Host:
    """Describe the running machine in the vocabulary of targets.yaml."""
    match sys.platform:
        case "win32":
            return Host("windows", normalize_arch(platform.machine()), "mingw")
        case "darwin":
            return Host("macos", normalize_arch(platform.machine()), "libsystem")
        case name if name.startswith("linux"):
            libc = "glibc" if platform.libc_ver()[0] == "glibc" else "musl"
            return Host("linux", normalize_arch(platform.machine()), libc)
        case name:
            # An OS no target names (FreeBSD, …): keep its own name so that
            # nothing mistakes it for Linux.
            return Host(name, normalize_arch(platform.machine()), "unknown")


def process_group_options() -> dict[str, Any]:
    """Popen arguments that start a child in a process group of its own.

    A probe may leave helpers behind (wine starts winedbg when a program
    crashes); with its own group, one kill ends all of them, and a Ctrl-C at
    the terminal reaches portmatrix only, which then stops the children itself.
    """
    if os.name == "posix":
        return {"start_new_session": True}
    return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}


def kill_process_group(proc: subprocess.Popen) -> None:
    """Kill a child started with process_group_options(), and its group."""
    if proc.returncode is not None:
        return  # reaped: its pid may already belong to another process
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
