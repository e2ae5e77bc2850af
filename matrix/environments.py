"""Container environments, as declared under `environments:` in targets.yaml.

An environment is a root file system a target's programs run in, in a
container: `empty` holds nothing but the probe program, `debootstrap` is a
Debian root built from Debian's packages.  A target lists the environments it
runs in; each gives the matrix one more column, target@environment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from . import config
from .errors import Problem, did_you_mean

__all__ = ["Debootstrap", "Environment", "check", "parse"]

#: Container environments run Linux programs; so a target must be Linux.
CONTAINER_OS = "linux"


@dataclass(frozen=True)
class Debootstrap:
    """How debootstrap builds a Debian root: the suite, the architecture, the packages."""

    suite: str
    arch: str
    variant: str = "minbase"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    #: Empty: debootstrap's own default mirror.
    mirror: str = ""


@dataclass(frozen=True)
class Environment:
    name: str
    description: str
    root: str  # empty | debootstrap
    #: "kept": the probes see the /etc/hosts, /etc/resolv.conf and /etc/hostname
    #: the engine puts into every container; "hidden": they run in a chroot of
    #: the declared root, where those files do not exist.
    engine_files: str = "kept"
    #: Writable tmpfs mounts; everything else of the root is read-only.
    tmpfs: tuple[str, ...] = ()
    #: The Python interpreter inside the root, for the pure-Python fallbacks.
    python: str = ""
    debootstrap: Debootstrap | None = None

    @property
    def arch(self) -> str:
        """The architecture of the root's own programs; '' for an empty root."""
        return self.debootstrap.arch if self.debootstrap else ""

    @property
    def libc(self) -> str:
        """The C library the root provides; '' for an empty root."""
        return "glibc" if self.root == "debootstrap" else ""

    def runs_python_for(self, target_arch: str, target_libc: str) -> bool:
        """True when the root's Python is a build for this target's platform."""
        return bool(self.python) and (self.arch, self.libc) == (target_arch, target_libc)


def parse(doc: config.Document) -> dict[str, Environment]:
    """The environments of a validated targets.yaml, by name."""
    declared = doc.data.get("environments") or {}
    return {str(name): _environment(str(name), entry) for name, entry in declared.items()}


def _environment(name: str, entry: Mapping) -> Environment:
    plain = config.plain(entry)
    boot = plain.get("debootstrap")
    return Environment(
        name=name,
        description=" ".join(plain["description"].split()),
        root=plain["root"],
        engine_files=plain.get("engine_files", "kept"),
        tmpfs=tuple(plain.get("tmpfs", ())),
        python=plain.get("python", ""),
        debootstrap=Debootstrap(
            suite=boot["suite"],
            arch=boot["arch"],
            variant=boot.get("variant", "minbase"),
            include=tuple(boot.get("include", ())),
            exclude=tuple(boot.get("exclude", ())),
            mirror=boot.get("mirror", ""),
        )
        if boot
        else None,
    )


def check(doc: config.Document, envs: dict[str, Environment]) -> Iterator[Problem]:
    """Problems of the declarations themselves and of the targets' lists of them."""
    for env in envs.values():
        yield from _check_declaration(doc, env)
    for ident, entry in doc.data["targets"].items():
        for i, name in enumerate(entry.get("environments", ())):
            yield from _check_use(doc, str(ident), entry, i, str(name), envs)


def _check_declaration(doc: config.Document, env: Environment) -> Iterator[Problem]:
    at = ["environments", env.name]
    if env.root == "debootstrap" and env.debootstrap is None:
        yield doc.problem(
            at + ["root"],
            f"environment '{env.name}': a debootstrap root needs a 'debootstrap:' mapping",
            "add debootstrap: {suite: bookworm, arch: x86_64}",
        )
    if env.root == "empty" and env.debootstrap is not None:
        yield doc.problem(
            at + ["debootstrap"],
            f"environment '{env.name}': an empty root is not built by debootstrap",
            "remove 'debootstrap:', or set root: debootstrap",
        )
    if env.root == "empty" and env.python:
        yield doc.problem(
            at + ["python"],
            f"environment '{env.name}': an empty root has no Python interpreter",
            "remove 'python:', or use a debootstrap root that includes python3",
        )
    if env.debootstrap is not None:
        both = sorted(set(env.debootstrap.include) & set(env.debootstrap.exclude))
        if both:
            yield doc.problem(
                at + ["debootstrap", "exclude"],
                f"environment '{env.name}': package '{both[0]}' is both included and excluded",
                "keep it in one of the two lists",
            )


def _check_use(
    doc: config.Document,
    ident: str,
    entry: Mapping,
    i: int,
    name: str,
    envs: dict[str, Environment],
) -> Iterator[Problem]:
    where = ["targets", ident, "environments", i]
    env = envs.get(name)
    if env is None:
        hint = did_you_mean(name, envs) or (
            f"declared: {', '.join(envs)}"
            if envs
            else "declare it under a top-level 'environments:'"
        )
        yield doc.problem(where, f"target '{ident}': no environment '{name}'", hint)
        return
    os_, arch, libc = str(entry["os"]), str(entry["arch"]), str(entry["libc"])
    if os_ != CONTAINER_OS:
        yield doc.problem(
            where,
            f"target '{ident}': environment '{name}' is a Linux container; the target is {os_}",
            "list environments for Linux targets only",
        )
    elif libc == "glibc" and env.root == "empty":
        yield doc.problem(
            where,
            f"target '{ident}': glibc programs are linked dynamically, and the empty root "
            f"of '{name}' has no dynamic loader",
            "run a musl (static) target there, or a debootstrap environment",
        )
    elif libc == "glibc" and env.debootstrap is not None and env.arch != arch:
        yield doc.problem(
            where,
            f"target '{ident}': the {env.arch} root of '{name}' has no {arch} glibc to load it",
            f"run a musl (static) target there, or declare a root with arch: {arch}",
        )
