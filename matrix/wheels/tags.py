"""Wheel platform tags: what each one promises about the platform, and which a target gets.

A portmatrix wheel carries no extension module, only a shared library loaded
with ctypes, so one wheel per platform serves every Python 3: its tag is
`py3-none-<platform>`.  The platform part names the OS, the architecture and
the floor (glibc or musl release, macOS version); `parse` reads those back so
the tag can be checked against targets.yaml and against the binary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..platforms import normalize_arch

__all__ = [
    "INTERPRETER_ABI",
    "PURE_TAG",
    "PlatformTag",
    "TagError",
    "expected",
    "parse",
    "wheel_tag",
]

#: Python and ABI parts of every portmatrix wheel's tag.
INTERPRETER_ABI = "py3-none"
#: The tag of a wheel without the native core (pure-Python fallbacks only).
PURE_TAG = "py3-none-any"

#: Platform tag forms, with the OS and libc they stand for.  The version in
#: a manylinux or musllinux tag is the libc floor, in a macosx tag the macOS
#: floor; Windows tags carry none.
_FORMS = (
    (re.compile(r"^manylinux_(\d+)_(\d+)_(x86_64|aarch64)$"), "linux", "glibc"),
    (re.compile(r"^musllinux_(\d+)_(\d+)_(x86_64|aarch64)$"), "linux", "musl"),
    (re.compile(r"^macosx_(\d+)_(\d+)_(x86_64|arm64)$"), "macos", "libsystem"),
    (re.compile(r"^win_(amd64|arm64)$"), "windows", "mingw"),
)

#: The architecture as each OS's tags spell it.
_TAG_ARCH = {
    "linux": {"x86_64": "x86_64", "aarch64": "aarch64"},
    "macos": {"x86_64": "x86_64", "aarch64": "arm64"},
    "windows": {"x86_64": "amd64", "aarch64": "arm64"},
}
_TAG_PREFIX = {"glibc": "manylinux", "musl": "musllinux", "libsystem": "macosx"}


class TagError(ValueError):
    """A platform tag portmatrix does not build wheels for."""


@dataclass(frozen=True)
class PlatformTag:
    """What a wheel platform tag says about the platform it runs on."""

    tag: str
    os: str
    arch: str
    libc: str
    #: The libc or OS floor as (major, minor); None where the tag has none.
    floor: tuple[int, int] | None

    @property
    def floor_text(self) -> str:
        return ".".join(map(str, self.floor)) if self.floor else ""


def parse(tag: str) -> PlatformTag:
    """Read a platform tag (`manylinux_2_17_x86_64`); TagError names the forms known."""
    for pattern, os_, libc in _FORMS:
        m = pattern.match(tag)
        if not m:
            continue
        if os_ == "windows":
            return PlatformTag(tag, os_, normalize_arch(m[1]), libc, None)
        return PlatformTag(tag, os_, normalize_arch(m[3]), libc, (int(m[1]), int(m[2])))
    raise TagError(
        f"unknown wheel platform tag {tag!r}; portmatrix knows manylinux_X_Y_ARCH, "
        "musllinux_X_Y_ARCH, macosx_X_Y_ARCH and win_ARCH"
    )


def expected(os_: str, arch: str, libc: str, floor: str) -> str:
    """The platform tag a target with these facts should carry."""
    arch_part = _TAG_ARCH[os_][arch]
    if os_ == "windows":
        return f"win_{arch_part}"
    major, _, minor = floor.partition(".")
    return f"{_TAG_PREFIX[libc]}_{int(major)}_{int(minor or 0)}_{arch_part}"


def wheel_tag(platform_tag: str) -> str:
    """The full wheel tag for a platform tag: `py3-none-<platform>`."""
    return f"{INTERPRETER_ABI}-{platform_tag}"
