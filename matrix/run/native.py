"""Running a target's programs directly, where the host is that platform."""

from __future__ import annotations

import platform
from pathlib import Path

from ..platforms import Host
from ..targets import Target
from .base import Availability

__all__ = ["NativeRunner"]


class NativeRunner:
    name = "native"
    backend = "native"

    def check(self, target: Target, host: Host) -> Availability:
        if (target.os, target.arch) != (host.os, host.arch):
            return Availability(
                False,
                reason=f"needs a {target.os}-{target.arch} host, this is {host.os}-{host.arch}",
            )
        if target.libc == "glibc" and host.libc != "glibc":
            return Availability(False, reason=f"host libc is {host.libc}, not glibc")
        return Availability(True, version=f"{platform.system()} {platform.release()}")

    def command(self, target: Target, program: Path) -> list[str]:
        return [str(program)]

    def environment(self, target: Target) -> dict[str, str]:
        return {}
