"""The targets of the matrix, as declared in targets.yaml."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import config
from . import environments as environments_mod
from .environments import Environment
from .errors import ConfigError, Problem, did_you_mean
from .wheels import tags as wheel_tags

__all__ = [
    "Target",
    "TRIPLE_RE",
    "ZigFacts",
    "default_file",
    "load",
    "load_all",
    "parse_version",
    "select",
]

#: arch-os[-abi] with an optional version after os or abi, as zig spells it.
TRIPLE_RE = re.compile(
    r"^(?P<arch>[a-z0-9_]+)-(?P<os>[a-z]+)(?:\.(?P<osver>[0-9.]+))?"
    r"(?:-(?P<abi>[a-z0-9]+)(?:\.(?P<abiver>[0-9.]+))?)?$"
)

#: The zig ABI a libc is built with, and the OS it belongs to.
LIBC_ABI = {"glibc": "gnu", "musl": "musl", "libsystem": "none", "mingw": "gnu"}
LIBC_OS = {"glibc": "linux", "musl": "linux", "libsystem": "macos", "mingw": "windows"}
#: Libcs whose floor is written into the triple as a version suffix.
VERSIONED_LIBCS = {"glibc", "libsystem"}
#: Runners and the OSes whose binaries they can execute.
RUNNER_OSES = {
    "native": {"linux", "macos", "windows"},
    "ci": {"linux", "macos", "windows"},
    "qemu": {"linux"},
    "docker": {"linux"},
    "wine": {"windows"},
}


#: The copy of the project's targets.yaml that an installed wheel carries.
INSTALLED_FILE = Path(__file__).resolve().parent / "_sources" / "targets.yaml"


def default_file() -> Path:
    """./targets.yaml if there is one, else the one installed with portmatrix."""
    here = Path("targets.yaml")
    return INSTALLED_FILE if not here.exists() and INSTALLED_FILE.exists() else here


def parse_version(text: str) -> tuple[int, ...]:
    """'2.17' -> (2, 17); trailing zeros are dropped so 2.17.0 == 2.17."""
    parts = [int(p) for p in text.split(".") if p != ""]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


@dataclass(frozen=True)
class ZigFacts:
    """What the installed zig knows: triples with a libc, glibc versions."""

    libc_triples: frozenset[str]
    glibc_versions: frozenset[tuple[int, ...]]


@dataclass(frozen=True)
class Target:
    identifier: str
    triple: str
    os: str
    arch: str
    libc: str
    floor: str
    runners: tuple[str, ...]
    environments: tuple[str, ...] = ()
    #: The wheel platform tag of the target's wheel; "" for a target without one.
    wheel_tag: str = ""

    @property
    def floor_version(self) -> tuple[int, ...]:
        return parse_version(self.floor)

    def describe(self) -> str:
        return f"{self.identifier} ({self.triple}, {self.libc} {self.floor})"


def load(path: Path, zig: ZigFacts | None = None) -> dict[str, Target]:
    """Read and check targets.yaml; `zig` adds checks against the toolchain."""
    return load_all(path, zig)[0]


def load_all(
    path: Path, zig: ZigFacts | None = None
) -> tuple[dict[str, Target], dict[str, Environment]]:
    """The targets and the container environments of targets.yaml, both checked."""
    doc = config.load(path, "targets.schema.json")
    envs = environments_mod.parse(doc)
    targets, problems = {}, []
    for ident, entry in doc.data["targets"].items():
        found = list(_check(doc, str(ident), entry, zig))
        problems += found
        if not found:
            targets[str(ident)] = _target(str(ident), entry)
    problems += environments_mod.check(doc, envs)
    if problems:
        raise ConfigError(problems)
    return targets, envs


def select(targets: dict[str, Target], names: Iterable[str]) -> list[Target]:
    """The targets named on a command line, in file order; unknown names fail."""
    wanted = list(names)
    unknown = [n for n in wanted if n not in targets]
    if unknown:
        hint = did_you_mean(unknown[0], targets) or f"known: {', '.join(targets)}"
        raise ConfigError([Problem(Path("--target"), None, f"no target '{unknown[0]}'", hint)])
    return [t for t in targets.values() if not wanted or t.identifier in wanted]


def _target(ident: str, entry: dict) -> Target:
    return Target(
        identifier=ident,
        triple=str(entry["triple"]),
        os=str(entry["os"]),
        arch=str(entry["arch"]),
        libc=str(entry["libc"]),
        floor=str(entry["floor"]),
        runners=tuple(str(r) for r in entry["runners"]),
        environments=tuple(str(e) for e in entry.get("environments", ())),
        wheel_tag=str(entry.get("wheel_tag", "")),
    )


def _check(
    doc: config.Document, ident: str, entry: dict, zig: ZigFacts | None
) -> Iterator[Problem]:
    at = ["targets", ident]
    triple = str(entry["triple"])
    m = TRIPLE_RE.match(triple)
    if not m:
        yield doc.problem(
            at + ["triple"],
            f"target '{ident}': triple {triple!r} is not arch-os[-abi]",
            "write it as zig does, e.g. x86_64-linux-gnu.2.17",
        )
        return
    os_, arch, libc, floor = entry["os"], entry["arch"], entry["libc"], str(entry["floor"])
    abi = m["abi"] or "none"
    version = m["abiver"] or m["osver"]
    if m["arch"] != arch:
        yield doc.problem(
            at + ["triple"],
            f"target '{ident}': triple is for {m['arch']}, arch says {arch}",
            "make 'arch' and the triple agree",
        )
    if m["os"] != os_:
        yield doc.problem(
            at + ["triple"],
            f"target '{ident}': triple is for {m['os']}, os says {os_}",
            "make 'os' and the triple agree",
        )
    if LIBC_OS[libc] != os_:
        yield doc.problem(
            at + ["libc"],
            f"target '{ident}': {libc} is not a libc of {os_}",
            f"use libc: {_libc_for(os_)}",
        )
    elif LIBC_ABI[libc] != abi:
        yield doc.problem(
            at + ["triple"],
            f"target '{ident}': {libc} builds with abi '{LIBC_ABI[libc]}', the triple has '{abi}'",
            f"end the triple in -{LIBC_ABI[libc]}"
            if LIBC_ABI[libc] != "none"
            else "drop the abi from the triple",
        )
    if libc in VERSIONED_LIBCS:
        if version is None:
            yield doc.problem(
                at + ["triple"],
                f"target '{ident}': triple has no version, so zig would pick its own floor",
                f"append the floor: {triple}.{floor}"
                if libc == "libsystem"
                else f"write {arch}-{os_}-{abi}.{floor}",
            )
        elif parse_version(version) != parse_version(floor):
            yield doc.problem(
                at + ["floor"],
                f"target '{ident}': floor {floor} but the triple says {version}",
                "make 'floor' and the triple's version agree",
            )
    yield from _check_zig(doc, at, ident, f"{m['arch']}-{m['os']}-{abi}", libc, floor, zig)
    if "wheel_tag" in entry and LIBC_OS[libc] == os_:
        yield from _check_wheel_tag(doc, at, ident, entry)
    for i, runner in enumerate(entry["runners"]):
        if os_ not in RUNNER_OSES[runner]:
            fits = ", ".join(r for r, oses in RUNNER_OSES.items() if os_ in oses)
            yield doc.problem(
                at + ["runners", i],
                f"target '{ident}': runner '{runner}' cannot run {os_} binaries",
                f"runners that fit {os_}: {fits}",
            )


def _check_zig(doc, at, ident, base, libc, floor, zig: ZigFacts | None) -> Iterator[Problem]:
    if zig is None:
        return
    if base not in zig.libc_triples:
        hint = (
            did_you_mean(base, zig.libc_triples) or "run `python -m ziglang targets` for the list"
        )
        yield doc.problem(at + ["triple"], f"target '{ident}': zig has no libc for {base}", hint)
    if libc == "glibc" and zig.glibc_versions and parse_version(floor) not in zig.glibc_versions:
        newest = _show_version(max(zig.glibc_versions))
        oldest = _show_version(min(zig.glibc_versions))
        yield doc.problem(
            at + ["floor"],
            f"target '{ident}': zig cannot build for glibc {floor}",
            f"pick a glibc release zig knows, from {oldest} to {newest}",
        )


def _check_wheel_tag(doc, at, ident: str, entry: dict) -> Iterator[Problem]:
    """The wheel tag must promise the platform the target builds for, no more, no less."""
    tag = str(entry["wheel_tag"])
    os_, arch, libc, floor = entry["os"], entry["arch"], entry["libc"], str(entry["floor"])
    want = wheel_tags.expected(os_, arch, libc, floor)
    try:
        facts = wheel_tags.parse(tag)
    except wheel_tags.TagError as exc:
        yield doc.problem(at + ["wheel_tag"], f"target '{ident}': {exc}", f"write {want}")
        return
    said = (facts.os, facts.arch, facts.libc)
    if said != (os_, arch, libc):
        yield doc.problem(
            at + ["wheel_tag"],
            f"target '{ident}': wheel_tag {tag} is for {'/'.join(said)}, "
            f"the target is {os_}/{arch}/{libc}",
            f"write {want}",
        )
    elif facts.floor is not None and parse_version(facts.floor_text) != parse_version(floor):
        yield doc.problem(
            at + ["wheel_tag"],
            f"target '{ident}': wheel_tag {tag} promises {libc} {facts.floor_text}, "
            f"the floor is {floor}",
            f"write {want}",
        )


def _libc_for(os_: str) -> str:
    return " or ".join(sorted(k for k, v in LIBC_OS.items() if v == os_))


def _show_version(version: tuple[int, ...]) -> str:
    """(2,) -> '2.0', (2, 17) -> '2.17'."""
    return ".".join(map(str, version + (0,) * (2 - len(version))))
