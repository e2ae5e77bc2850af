"""Which native core a wheel build carries: the build's request, the host, targets.yaml.

A build asks for `host` (the default: the target this machine is), `none` (a
wheel without the native core) or a target identifier (a foreign wheel).  For
`host`, a machine that no target describes, or on which zig is missing or the
core does not compile, still gets a wheel: the pure-Python fallbacks alone,
and the build says so.  A named target either builds or fails the build.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, Problem, did_you_mean
from ..platforms import ARCH_SYNONYMS, POLICIES, Host

if TYPE_CHECKING:  # matrix.targets needs ruamel.yaml, which a build may not have yet
    from ..targets import Target

__all__ = [
    "BUILD_DIR_ENV",
    "HOST",
    "NONE",
    "TARGET_ENV",
    "TOOLCHAIN",
    "Choice",
    "Request",
    "choose",
    "for_host",
    "may_build",
    "toolchain_requirements",
]

#: Environment variables a build reads; the backend's config settings set them.
TARGET_ENV = "PORTMATRIX_WHEEL_TARGET"
BUILD_DIR_ENV = "PORTMATRIX_WHEEL_BUILD_DIR"
HOST = "host"
NONE = "none"

#: What compiling the core needs in the build environment, pinned in requirements.txt.
TOOLCHAIN = ("ziglang", "ruamel.yaml", "jsonschema")


@dataclass(frozen=True)
class Request:
    """What a build was asked for: `host`, `none` or a target identifier."""

    target: str = HOST
    build_dir: Path | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Request:
        build_dir = environ.get(BUILD_DIR_ENV, "").strip()
        return cls(
            target=environ.get(TARGET_ENV, "").strip() or HOST,
            build_dir=Path(build_dir) if build_dir else None,
        )

    @property
    def explicit(self) -> bool:
        """A named target: failing to build it fails the build instead of falling back."""
        return self.target not in (HOST, NONE)


@dataclass(frozen=True)
class Choice:
    """The target whose core the wheel carries, or None and the reason why not."""

    target: Target | None
    reason: str = ""


def may_build(request: Request, host: Host) -> bool:
    """Whether the build may compile a core, before targets.yaml can be read."""
    if request.target == NONE:
        return False
    return request.explicit or (host.os in POLICIES and host.arch in ARCH_SYNONYMS.values())


def toolchain_requirements(root: Path) -> list[str]:
    """The pinned TOOLCHAIN lines of the project's requirements.txt."""
    pins = {}
    for line in (root / "requirements.txt").read_text("utf-8").splitlines():
        m = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*==\s*(\S+)", line)
        if m:
            pins[m[1].lower()] = f"{m[1]}=={m[2]}"
    missing = [name for name in TOOLCHAIN if name not in pins]
    if missing:
        raise ConfigError(
            [Problem(root / "requirements.txt", None, f"no pin for {', '.join(missing)}")]
        )
    return [pins[name] for name in TOOLCHAIN]


def for_host(targets: Mapping[str, Target], host: Host) -> Target | None:
    """The first target with a wheel tag that this machine is (os, arch and libc)."""
    for t in targets.values():
        if t.wheel_tag and (t.os, t.arch, t.libc) == (host.os, host.arch, host.libc):
            return t
    return None


def choose(request: Request, targets: Mapping[str, Target], host: Host, where: Path) -> Choice:
    """Resolve a request against targets.yaml; a bad identifier raises ConfigError."""
    if request.target == NONE:
        return Choice(None, f"the build asked for no native core ({TARGET_ENV}=none)")
    if request.target == HOST:
        target = for_host(targets, host)
        if target is None:
            return Choice(None, f"no target in {where.name} with a wheel_tag is this host ({host})")
        return Choice(target)
    if request.target not in targets:
        hint = did_you_mean(request.target, targets) or f"known: host, none, {', '.join(targets)}"
        raise ConfigError([Problem(where, None, f"no target '{request.target}' to build", hint)])
    target = targets[request.target]
    if not target.wheel_tag:
        raise ConfigError(
            [
                Problem(
                    where,
                    None,
                    f"target '{target.identifier}' has no wheel_tag",
                    "add one; see the comment at the top of the file",
                )
            ]
        )
    return Choice(target)
