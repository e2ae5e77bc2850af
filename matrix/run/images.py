"""Environment images: root file systems assembled here and given to the engine.

No image registry is used.  Each environment's root is assembled as a
tarball and `docker import`ed under a tag that is the hash of what went into
it: the tarball itself for an empty root, the debootstrap recipe (suite,
architecture, packages, debootstrap's version) for a Debian root, whose
packages are only known once it is built.  An image whose tag the engine
already has is not built again, so a Debian root is bootstrapped once per
machine and recipe.  The harness's own files (probe program, launcher,
emulator, Python package) are not in the image: the runner bind-mounts them.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import tarfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import cache
from ..environments import Environment
from ..toolchain import RUNTIME_FLAGS, Zig
from .base import tool_version
from .engine import Engine

__all__ = [
    "HARNESS_DIR",
    "HIDDEN_ROOT",
    "IMAGE_FORMAT",
    "Image",
    "ImageError",
    "Images",
    "env_root",
]

log = logging.getLogger(__name__)

#: Bump when the layout of the images changes, so that old tags miss.
IMAGE_FORMAT = 1
#: Inside an environment's root: where the runner mounts its files.
HARNESS_DIR = "/.portmatrix"
#: Inside the container, for engine_files: hidden: the environment's root.
HIDDEN_ROOT = "/.portmatrix/root"
#: Debian's names of our architectures.
DEBIAN_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}
#: What debootstrap leaves that the root does not need: apt's caches and
#: package lists, documentation, and the host's name and resolver settings
#: that it copies in (the engine provides its own, or none when hidden).
PRUNED = (
    "var/cache/apt/archives",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "etc/resolv.conf",
    "etc/hostname",
)
LAUNCHER_SOURCE = Path(__file__).with_name("enter.c")


class ImageError(Exception):
    """An environment's image cannot be had here; carries the reason and a fix."""

    def __init__(self, reason: str, hint: str = "") -> None:
        super().__init__(reason)
        self.reason, self.hint = reason, hint


@dataclass(frozen=True)
class Image:
    tag: str
    built: bool  # False: the engine had it already
    #: The engine's content digest of the image: a Debian root bootstrapped
    #: again from the same recipe keeps its tag but gets a new id.
    id: str = ""
    seconds: float = 0.0
    debootstrap_seconds: float = 0.0
    import_seconds: float = 0.0


def env_root(env: Environment) -> str:
    """Where the environment's root is inside its container."""
    return HIDDEN_ROOT if env.engine_files == "hidden" else "/"


class Images:
    """Builds each environment's image at most once per process, and only when missing."""

    def __init__(self, engine: Engine, work: Path) -> None:
        self.engine = engine
        self.work = work
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._done: dict[str, Image] = {}

    def ensure(self, env: Environment, host_arch: str) -> Image:
        """The image of `env`, built if the engine lacks it; raises ImageError."""
        with self._lock:
            lock = self._locks.setdefault(env.name, threading.Lock())
        with lock:
            if env.name not in self._done:
                self._done[env.name] = self._ensure(env, host_arch)
            return self._done[env.name]

    def _ensure(self, env: Environment, host_arch: str) -> Image:
        started = time.monotonic()
        if env.root == "empty":
            data = _empty_root(env)
            tag = _tag(env, cache.key(IMAGE_FORMAT, data.hex()))
            if found := self.engine.image_id(tag):
                return Image(tag, built=False, id=found)
            source = self.work / f"{env.name}.tar"
            cache.write_atomic(source, data)
            boot_seconds = 0.0
        else:
            recipe = _recipe(env)
            tag = _tag(env, cache.key(IMAGE_FORMAT, recipe))
            if found := self.engine.image_id(tag):
                return Image(tag, built=False, id=found)
            source, boot_seconds = self._debootstrap(env, host_arch)
        imported = time.monotonic()
        try:
            self.engine.import_tar(source, tag, {"portmatrix.environment": env.name})
        except RuntimeError as exc:
            raise ImageError(str(exc)) from None
        finally:
            source.unlink(missing_ok=True)
        image_id = self.engine.image_id(tag)
        if image_id is None:
            raise ImageError(f"docker import reported success but the engine has no {tag}")
        now = time.monotonic()
        log.info("built %s in %.1f s (debootstrap %.1f s)", tag, now - started, boot_seconds)
        return Image(tag, True, image_id, now - started, boot_seconds, now - imported)

    def _debootstrap(self, env: Environment, host_arch: str) -> tuple[Path, float]:
        boot = env.debootstrap
        assert boot is not None
        _can_debootstrap(boot.arch, host_arch)
        tree = self.work / f"{env.name}.tree"
        shutil.rmtree(tree, ignore_errors=True)
        root = tree / HIDDEN_ROOT.lstrip("/") if env.engine_files == "hidden" else tree
        started = time.monotonic()
        proc = subprocess.run(
            _debootstrap_args(env, root),
            capture_output=True,
            timeout=3600,
            stdin=subprocess.DEVNULL,
        )
        seconds = time.monotonic() - started
        if proc.returncode != 0:
            shutil.rmtree(tree, ignore_errors=True)
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise ImageError(f"debootstrap failed: {' '.join(tail)[:300]}")
        try:
            _check_excluded(root, boot.exclude)
            _prune(root)
            (root / HARNESS_DIR.lstrip("/")).mkdir(exist_ok=True)
            source = self.work / f"{env.name}.tar"
            _tar(tree, source)
        finally:
            shutil.rmtree(tree, ignore_errors=True)
        return source, seconds

    def launcher(self, zig: Zig, arch: str) -> Path:
        """The chroot launcher for `arch`, compiled static with zig and kept by content."""
        text = LAUNCHER_SOURCE.read_bytes()
        flags = [*RUNTIME_FLAGS, "-static"]
        key = cache.key(zig.version, arch, flags, text.hex())
        out = self.work / f"enter-{arch}-{key[:16]}"
        with self._lock:
            if out.exists():
                return out
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_suffix(".tmp")
            source = str(LAUNCHER_SOURCE)
            proc = zig.cc(["-target", f"{arch}-linux-musl", *flags, source, "-o", str(tmp)])
            if proc.returncode != 0:
                raise ImageError(f"the chroot launcher did not build: {proc.stderr.strip()[:300]}")
            os.replace(tmp, out)
        return out


def _tag(env: Environment, key: str) -> str:
    return f"portmatrix/env-{env.name}:{key[:20]}"


def _empty_root(env: Environment) -> bytes:
    """A tarball of nothing but the folders the runner mounts into, byte for byte stable."""
    folders = [HARNESS_DIR]
    if env.engine_files == "hidden":
        folders += [HIDDEN_ROOT, HIDDEN_ROOT + HARNESS_DIR]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for folder in folders:
            info = tarfile.TarInfo(folder.lstrip("/"))
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(info)
    return buf.getvalue()


def _recipe(env: Environment) -> dict:
    boot = env.debootstrap
    assert boot is not None
    return {
        "debootstrap": asdict(boot),
        "engine_files": env.engine_files,
        "tool": tool_version("debootstrap", "--version"),
        "pruned": PRUNED,
    }


def _can_debootstrap(arch: str, host_arch: str) -> None:
    if shutil.which("debootstrap") is None:
        raise ImageError(
            "debootstrap is not installed", "install it with: apt-get install debootstrap"
        )
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        raise ImageError("debootstrap needs root to build a Debian root", "run the matrix as root")
    if arch != host_arch:
        raise ImageError(
            f"debootstrap builds {host_arch} roots on this host, not {arch}",
            f"declare arch: {host_arch}, or build on an {arch} machine",
        )


def _debootstrap_args(env: Environment, root: Path) -> list[str]:
    boot = env.debootstrap
    assert boot is not None
    args = ["debootstrap", f"--variant={boot.variant}", f"--arch={DEBIAN_ARCH[boot.arch]}"]
    if boot.include:
        args.append("--include=" + ",".join(boot.include))
    if boot.exclude:
        args.append("--exclude=" + ",".join(boot.exclude))
    args += [boot.suite, str(root)]
    return args + ([boot.mirror] if boot.mirror else [])


def _check_excluded(root: Path, excluded: tuple[str, ...]) -> None:
    """Fail when debootstrap installed an excluded package after all (as a dependency)."""
    info = root / "var" / "lib" / "dpkg" / "info"
    for pkg in excluded:
        if any(info.glob(f"{pkg}.list")) or any(info.glob(f"{pkg}:*.list")):
            raise ImageError(
                f"debootstrap installed the excluded package {pkg}: another package depends on it",
                f"drop the package that depends on {pkg} from 'include:'",
            )


def _prune(root: Path) -> None:
    for rel in PRUNED:
        path = root / rel
        if path.is_dir() and not path.is_symlink():
            for child in path.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        elif path.exists() or path.is_symlink():
            path.unlink()


def _tar(tree: Path, out: Path) -> None:
    # GNU tar keeps device nodes, hard links, owners and modes exactly.
    proc = subprocess.run(
        ["tar", "--numeric-owner", "-C", str(tree), "-cf", str(out), "."],
        capture_output=True,
        timeout=1800,
    )
    if proc.returncode != 0:
        raise ImageError(f"tar failed: {proc.stderr.decode('utf-8', 'replace').strip()[:300]}")
