"""Running a target's programs in its container environments, with a local docker engine.

Each environment of targets.yaml is a root file system (see matrix.run.images);
a target listed for it gets one more column, target@environment, run here.
Every container runs with no network, a read-only root (only the declared
tmpfs paths are writable), no capabilities but the one a hidden root's
chroot needs, and is removed when it exits.  The probe program, and for the
pure-Python fallbacks the matrix.core package, are bind-mounted read-only;
the results come back over stdout, one JSON line per probe, as from any
runner.  A target of another architecture than the engine's runs under a
statically linked qemu-user mounted into the container, so the host needs
no binfmt handler.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from pathlib import Path

from .. import cache, process, toolchain
from ..environments import Environment
from ..errors import MatrixError
from ..platforms import Host
from ..targets import Target
from .base import Availability
from .engine import Engine, static_qemu
from .images import HARNESS_DIR, HIDDEN_ROOT, ImageError, Images, env_root

__all__ = ["CORE_PACKAGE", "DockerRunner", "EnvironmentRunner", "run_args"]

#: The package the pure-Python fallbacks are, mounted into roots with Python.
CORE_PACKAGE = Path(__file__).resolve().parents[1] / "core"
QEMU_HINT = "fetch Debian's qemu-user-static with: nox -s engine (or python -m matrix engine)"


class DockerRunner:
    """The registry's 'docker': the engine and the images the environments need."""

    name = "docker"
    backend = "native"

    def __init__(self, cache_dir: Path, engine: Engine | None = None) -> None:
        self.engine = engine or Engine()
        self.images = Images(self.engine, cache_dir.resolve() / "docker")
        self._zig: toolchain.Zig | None = None
        self._zig_lock = threading.Lock()

    def check(self, target: Target, host: Host) -> Availability:
        # A target's own column is the host's view of it; containers are the
        # environments' columns, each of which gets an EnvironmentRunner.
        return Availability(
            False,
            reason="the docker runner runs a target's environments (target@environment columns)",
            hint="list them under the target's environments: in targets.yaml",
        )

    def command(self, target: Target, program: Path) -> list[str]:
        raise MatrixError("the docker runner runs environments only; see runners()")

    def environment(self, target: Target) -> dict[str, str]:
        return {}

    def runners(self, target: Target, env: Environment) -> list[EnvironmentRunner]:
        """The native core in `env`, and the fallbacks where the root's Python fits the target."""
        found = [EnvironmentRunner(self, env, "native")]
        if env.runs_python_for(target.arch, target.libc):
            found.append(EnvironmentRunner(self, env, "python"))
        return found

    def zig(self) -> toolchain.Zig:
        with self._zig_lock:
            if self._zig is None:
                self._zig = toolchain.find()
            return self._zig


class EnvironmentRunner:
    """One backend of one target in one environment; `check` readies image and tools."""

    name = "docker"

    def __init__(self, parent: DockerRunner, env: Environment, backend: str) -> None:
        self.parent = parent
        self.env = env
        self.backend = backend
        #: Every container this runner starts carries it, so that `sweep` finds
        #: the ones a time limit left behind (killing the CLI does not stop them).
        self.label = f"portmatrix.run={uuid.uuid4().hex}"
        process.at_stop(self.sweep)
        self._image = ""
        self._image_id = ""
        self._qemu: Path | None = None
        self._launcher: Path | None = None

    def check(self, target: Target, host: Host) -> Availability:
        """Is an engine there, and can it run `target` in this environment?  Builds the image."""
        avail, info = self.parent.engine.status()
        if not avail.ok or info is None:
            return avail
        if info.os != "linux":
            return Availability(False, reason=f"the docker engine runs {info.os} containers")
        if target.arch != info.arch and self.backend == "native":
            self._qemu = static_qemu(target.arch)
            if self._qemu is None:
                return Availability(
                    False,
                    reason=f"{target.arch} programs on an {info.arch} engine need "
                    f"qemu-{target.arch}-static, which was not found",
                    hint=QEMU_HINT,
                )
        try:
            if self.env.engine_files == "hidden":
                self._launcher = self.parent.images.launcher(self.parent.zig(), info.arch)
            image = self.parent.images.ensure(self.env, info.arch)
        except ImageError as exc:
            return Availability(False, reason=exc.reason, hint=exc.hint)
        except MatrixError as exc:
            return Availability(False, reason=f"the chroot launcher needs zig: {exc}")
        self._image, self._image_id = image.tag, image.id
        emulated = f", qemu-{target.arch}-static" if self._qemu else ""
        return Availability(True, version=f"{avail.version}, image {image.tag}{emulated}")

    def command(self, target: Target, program: Path) -> list[str]:
        args = run_args(
            self.env,
            target.arch,
            self.backend,
            image=self._image,
            label=self.label,
            program=Path(program).resolve(),
            qemu=self._qemu,
            launcher=self._launcher,
        )
        return [self.parent.engine.exe, *args]

    def environment(self, target: Target) -> dict[str, str]:
        return {}

    def identity(self) -> tuple[str, ...]:
        """What, besides the probe program, decides this runner's results (after `check`).

        The image by the engine's content digest, the environment's definition
        (which shapes the container: tmpfs paths, its Python, hidden files) and
        the digests of the launcher and emulator mounted into it.
        """
        assert self._image, "identity() is known only after a successful check()"
        mounted = [p for p in (self._launcher, self._qemu) if p is not None]
        shape = {k: v for k, v in dataclasses.asdict(self.env).items() if k != "description"}
        return (
            self._image_id,
            cache.key(shape),
            self.backend,
            *(cache.file_digest(p) for p in mounted),
        )

    def sweep(self) -> int:
        """Remove containers of this runner still there (after a time limit); how many."""
        if not self._image:
            return 0
        return self.parent.engine.remove_labelled(self.label)


def run_args(
    env: Environment,
    arch: str,
    backend: str,
    *,
    image: str,
    label: str,
    program: Path | None = None,
    qemu: Path | None = None,
    launcher: Path | None = None,
) -> list[str]:
    """The `docker run` arguments for one probe run of a target of `arch` in `env`."""
    root = env_root(env)
    inside = _join(root, HARNESS_DIR)
    args = ["run", "--rm", "--network", "none", "--read-only", "--label", label]
    # The engine's init is PID 1, not the probe: the kernel ignores a signal
    # whose default action is to kill when it is sent to PID 1, so abort()
    # would end in SIGSEGV and qemu-user, re-raising a guest's crash, hang.
    args += ["--init"]
    args += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
    entry = []
    if launcher is not None:
        args += ["--cap-add", "SYS_CHROOT", "-v", f"{launcher}:{HARNESS_DIR}/enter:ro"]
        entry += [f"{HARNESS_DIR}/enter", HIDDEN_ROOT]
    for path in env.tmpfs:
        args += ["--tmpfs", _join(root, path)]
    if backend == "python":
        args += ["-v", f"{CORE_PACKAGE}:{inside}/python/matrix/core:ro"]
        args += ["-e", f"PYTHONPATH={HARNESS_DIR}/python", "-e", "PYTHONDONTWRITEBYTECODE=1"]
        return [*args, image, *entry, env.python, "-s", "-m", "matrix.core", "--backend", "python"]
    if qemu is not None:
        args += ["-v", f"{qemu}:{inside}/qemu-{arch}:ro"]
        entry.append(f"{HARNESS_DIR}/qemu-{arch}")
    args += ["-v", f"{program}:{inside}/portprobe:ro"]
    return [*args, image, *entry, f"{HARNESS_DIR}/portprobe"]


def _join(root: str, path: str) -> str:
    return path if root == "/" else root.rstrip("/") + path
