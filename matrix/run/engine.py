"""The docker engine, through the docker CLI: is one running, and starting one.

Every call is the `docker` command with an argument list.  The engine must
run on this machine: the docker runner bind-mounts the probe programs from
the build folder into its containers.  When none is running, `start` launches
`dockerd` in the background with the settings that work without a network or
a kernel overlay file system, and waits for it to answer.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..platforms import normalize_arch
from .base import Availability

__all__ = [
    "DOCKERD_ARGS",
    "STORAGE_DRIVERS",
    "Engine",
    "EngineInfo",
    "fetch_static_qemu",
    "start",
    "static_qemu",
    "static_qemu_dir",
]

log = logging.getLogger(__name__)

#: No bridge and no iptables rules: containers run with --network none, and
#: the host's firewall stays untouched.
DOCKERD_ARGS = ("--bridge=none", "--iptables=false")
#: Tried in order.  overlay2 starts a container of a Debian root in well under
#: a second; vfs copies the whole root for each container (two to five seconds
#: for debian-minimal) but works on any file system, including where the
#: kernel cannot stack overlays, as inside another container.
STORAGE_DRIVERS = ("overlay2", "vfs")
#: Seconds a started engine gets to answer.
START_WAIT = 60.0
START_HINT = "start one with: nox -s engine (or python -m matrix engine)"


@dataclass(frozen=True)
class EngineInfo:
    """The engine that answered: its version and the platform its containers run on."""

    version: str
    os: str
    arch: str


class Engine:
    """The docker CLI and the engine it talks to; `status` is asked once per process."""

    def __init__(self, exe: str = "docker") -> None:
        self.exe = exe
        self._lock = threading.Lock()
        self._status: tuple[Availability, EngineInfo | None] | None = None

    def run(
        self, args: list[str], *, timeout: float = 120, stdin: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        """`docker ARGS`; an unstartable CLI reads as exit status 127."""
        cmd = [shutil.which(self.exe) or self.exe, *args]
        log.debug("running %s", cmd)
        try:
            return subprocess.run(
                cmd,
                input=stdin,
                stdin=None if stdin is not None else subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
            )
        except OSError as exc:
            return subprocess.CompletedProcess(cmd, 127, b"", str(exc).encode())

    def status(self, *, fresh: bool = False) -> tuple[Availability, EngineInfo | None]:
        """Whether an engine answers, and which; cached unless `fresh`."""
        with self._lock:
            if self._status is None or fresh:
                self._status = self._ask()
            return self._status

    def _ask(self) -> tuple[Availability, EngineInfo | None]:
        if shutil.which(self.exe) is None:
            return (
                Availability(
                    False,
                    reason="the docker CLI is not installed",
                    hint="install it with: apt-get install docker.io",
                ),
                None,
            )
        template = "{{.Server.Version}} {{.Server.Os}} {{.Server.Arch}}"
        try:
            proc = self.run(["version", "--format", template], timeout=30)
        except subprocess.TimeoutExpired:
            return Availability(False, reason="the docker engine did not answer in 30 s"), None
        parts = proc.stdout.decode("utf-8", "replace").split()
        if proc.returncode != 0 or len(parts) != 3:
            said = _last_line(proc.stderr) or f"docker version exited with {proc.returncode}"
            return Availability(False, reason=f"no docker engine: {said}", hint=START_HINT), None
        info = EngineInfo(parts[0], parts[1], normalize_arch(parts[2]))
        return Availability(True, version=f"docker {info.version}"), info

    def image_id(self, tag: str) -> str | None:
        """The content digest the engine gives the image `tag` ("sha256:…"), or None if absent."""
        proc = self.run(["image", "inspect", "--format", "{{.Id}}", tag], timeout=60)
        found = proc.stdout.decode("utf-8", "replace").strip()
        return found if proc.returncode == 0 and found else None

    def import_tar(self, source: Path, tag: str, labels: dict[str, str]) -> None:
        """`docker import` of a root file system tarball; raises RuntimeError on failure."""
        changes = [arg for k, v in labels.items() for arg in ("--change", f"LABEL {k}={v}")]
        proc = self.run(["import", *changes, str(source), tag], timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"docker import failed: {_last_line(proc.stderr)}")

    def remove_labelled(self, label: str) -> int:
        """Force-remove the containers carrying `label`; how many there were."""
        found = self.run(["ps", "-aq", "--filter", f"label={label}"], timeout=60)
        ids = found.stdout.decode().split()
        if ids:
            self.run(["rm", "-f", *ids], timeout=120)
        return len(ids)


def start(engine: Engine, log_file: Path) -> tuple[bool, str]:
    """Start dockerd in the background unless an engine answers; (running, what happened)."""
    avail, info = engine.status(fresh=True)
    if avail.ok and info is not None:
        return True, f"a docker engine is running: {avail.version} ({info.os}/{info.arch})"
    if shutil.which("dockerd") is None:
        return False, f"{avail.reason}; dockerd is not installed: apt-get install docker.io"
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return False, f"{avail.reason}; starting dockerd needs root"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    said = ""
    for driver in STORAGE_DRIVERS:
        running, said = _start_with(engine, log_file, driver)
        if running:
            return True, said
        log.info("dockerd with %s: %s", driver, said)
    return False, said


def _start_with(engine: Engine, log_file: Path, driver: str) -> tuple[bool, str]:
    with log_file.open("ab") as out:
        # A session of its own: the engine outlives this process and the
        # terminal or CI step that started it.
        daemon = subprocess.Popen(
            [shutil.which("dockerd") or "dockerd", *DOCKERD_ARGS, f"--storage-driver={driver}"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            tail = _last_line(log_file.read_bytes()[-4000:])
            return False, f"dockerd exited with {daemon.returncode}: {tail} (log: {log_file})"
        avail, info = engine.status(fresh=True)
        if avail.ok and info is not None:
            return True, (
                f"started dockerd with {driver} storage (pid {daemon.pid}, log {log_file}): "
                f"{avail.version}"
            )
        time.sleep(0.5)
    daemon.terminate()
    return False, f"dockerd did not answer within {START_WAIT:g} s; see {log_file}"


def static_qemu_dir() -> Path:
    """Where `fetch_static_qemu` unpacks Debian's qemu-user-static, once per machine and user."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "portmatrix" / "qemu-user-static"


def static_qemu(arch: str) -> Path | None:
    """A statically linked qemu-user for `arch`, which runs inside any container."""
    name = f"qemu-{arch}-static"
    found = shutil.which(name)
    if found:
        return Path(found).resolve()
    unpacked = static_qemu_dir() / "usr" / "bin" / name
    return unpacked if unpacked.is_file() else None


def fetch_static_qemu() -> tuple[bool, str]:
    """Unpack Debian's qemu-user-static without installing it.

    Installing the package would register binfmt handlers on the host; the
    docker runner calls the emulator by name instead, so unpacking is enough.
    """
    dest = static_qemu_dir()
    if (dest / "usr" / "bin").is_dir():
        return True, f"qemu-user-static is unpacked in {dest}"
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        return False, "apt-get and dpkg-deb are needed to fetch Debian's qemu-user-static"
    with tempfile.TemporaryDirectory(prefix="pm-qemu-") as tmp:
        got = subprocess.run(
            ["apt-get", "download", "qemu-user-static"], cwd=tmp, capture_output=True, timeout=900
        )
        debs = sorted(Path(tmp).glob("qemu-user-static_*.deb"))
        if got.returncode != 0 or not debs:
            return False, f"apt-get download qemu-user-static failed: {_last_line(got.stderr)}"
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=_parent(dest)))
        unpacked = subprocess.run(
            ["dpkg-deb", "-x", str(debs[0]), str(staging)], capture_output=True, timeout=600
        )
        if unpacked.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            return False, f"dpkg-deb -x failed: {_last_line(unpacked.stderr)}"
        # Whole or not at all: a concurrent fetch may have won the race.
        try:
            staging.rename(dest)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    return True, f"unpacked {debs[0].name} into {dest}"


def _parent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.parent


def _last_line(data: bytes) -> str:
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return lines[-1].strip()[:300] if lines else ""
