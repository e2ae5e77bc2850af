"""Runners: the ways this host can execute a target's programs.

The registry maps each runner name of targets.yaml to an implementation.
A target lists its runners in order of preference; the first one available
here runs it, and when none is, every cell says why and how to get one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..platforms import Host
from ..targets import Target
from .base import Availability, Runner
from .docker import DockerRunner, EnvironmentRunner
from .execute import DEFAULT_TIMEOUT, Probed, run_probes
from .images import ImageError
from .native import NativeRunner
from .python import PythonRunner
from .qemu import QemuRunner
from .resume import RunCache
from .wine import WineRunner

__all__ = [
    "Availability",
    "DEFAULT_TIMEOUT",
    "DockerRunner",
    "EnvironmentRunner",
    "ImageError",
    "Probed",
    "PythonRunner",
    "RunCache",
    "Runner",
    "choose",
    "missing",
    "registry",
    "run_probes",
]

#: Runner names that targets.yaml may list but that do not execute on this host.
REMOTE_RUNNERS = {
    "ci": "runs on a CI runner of that platform; merge its results file into the report",
}


def registry(cache_dir: Path) -> dict[str, Runner]:
    return {
        "native": NativeRunner(),
        "qemu": QemuRunner(),
        "wine": WineRunner(cache_dir / "wine-prefix"),
        "docker": DockerRunner(cache_dir),
    }


def choose(
    target: Target, host: Host, runners: dict[str, Runner]
) -> tuple[Runner | None, str, str]:
    """The first runner of the target that works here, or None and the reasons."""
    reasons = []
    for name, runner, avail in _walk(target, host, runners):
        if runner is not None and avail.ok:
            return runner, avail.version, ""
        reasons.append(f"{name}: {avail.explain()}")
    return None, "", "; ".join(reasons)


def missing(targets: Iterable[Target], host: Host, runners: dict[str, Runner]) -> list[str]:
    """One line per runner that would run targets here once installed or repaired.

    Only runners tried before any that works count: a target that runs
    natively does not need qemu.
    """
    wanted: dict[tuple[str, str], list[str]] = {}
    for target in targets:
        for name, runner, avail in _walk(target, host, runners):
            if avail.ok:
                break
            # A hint about targets.yaml is about the configuration, not about
            # what this machine lacks (the docker runner runs environments only).
            if runner is not None and avail.hint and "targets.yaml" not in avail.hint:
                wanted.setdefault((name, avail.explain()), []).append(target.identifier)
    return [
        f"{name}: {text}; without it {', '.join(idents)} "
        f"{'gets' if len(idents) == 1 else 'get'} build-time cells only"
        for (name, text), idents in wanted.items()
    ]


def _walk(
    target: Target, host: Host, runners: dict[str, Runner]
) -> Iterator[tuple[str, Runner | None, Availability]]:
    """The target's runners in its order of preference, each with its availability here."""
    for name in target.runners:
        runner = runners.get(name)
        if runner is None:
            yield name, None, Availability(False, reason=REMOTE_RUNNERS.get(name, "unknown runner"))
            continue
        avail = runner.check(target, host)
        yield name, runner, avail
        if avail.ok:
            return
