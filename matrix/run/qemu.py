"""Running Linux programs of another architecture under qemu-user.

qemu-user translates the program's instructions and passes its system calls
to the host kernel, so kernel behaviour is the host's.  Dynamically linked
glibc programs need the target's loader and libc: Debian's cross packages
(libc6-arm64-cross) install them under /usr/<arch>-linux-gnu, given to qemu
with -L.  musl programs are static and need nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..platforms import Host
from ..targets import Target
from .base import Availability, tool_version

__all__ = ["QemuRunner"]

#: Debian package providing the glibc sysroot for each architecture.
SYSROOT_PACKAGES = {"aarch64": "libc6-arm64-cross", "x86_64": "libc6-amd64-cross"}


def sysroot(arch: str) -> Path:
    return Path(f"/usr/{arch}-linux-gnu")


class QemuRunner:
    name = "qemu"
    backend = "native"

    def check(self, target: Target, host: Host) -> Availability:
        if host.os != "linux":
            return Availability(False, reason="qemu-user needs a Linux host")
        if target.arch == host.arch:
            return Availability(False, reason="same architecture as the host: runs natively")
        exe = f"qemu-{target.arch}"
        if shutil.which(exe) is None:
            return Availability(
                False, reason=f"{exe} not found", hint="install it with: apt-get install qemu-user"
            )
        if target.libc == "glibc" and not (sysroot(target.arch) / "lib").is_dir():
            package = SYSROOT_PACKAGES.get(target.arch, f"libc6-{target.arch}-cross")
            return Availability(
                False,
                reason=f"no {target.arch} glibc at {sysroot(target.arch)}",
                hint=f"install it with: apt-get install {package}",
            )
        return Availability(True, version=tool_version(exe, "--version"))

    def command(self, target: Target, program: Path) -> list[str]:
        cmd = [f"qemu-{target.arch}"]
        if target.libc == "glibc":
            cmd += ["-L", str(sysroot(target.arch))]
        return [*cmd, str(program)]

    def environment(self, target: Target) -> dict[str, str]:
        return {}
