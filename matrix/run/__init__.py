"""Runners: the ways this host can execute a target's programs.

The registry maps each runner name of targets.yaml to an implementation.
A target lists its runners in order of preference; the first one available
here runs it, and when none is, every cell says why and how to get one.
"""

from __future__ import annotations

from pathlib import Path

from ..platforms import Host
from ..targets import Target
from .base import Availability, Runner
from .execute import DEFAULT_TIMEOUT, Probed, run_probes
from .native import NativeRunner
from .python import PythonRunner
from .qemu import QemuRunner
from .wine import WineRunner

__all__ = [
    "Availability",
    "DEFAULT_TIMEOUT",
    "Probed",
    "PythonRunner",
    "Runner",
    "choose",
    "registry",
    "run_probes",
]

#: Runner names that targets.yaml may list but that do not execute on this host.
REMOTE_RUNNERS = {
    "ci": "runs on a CI runner of that platform; merge its results file into the report",
    "docker": "the docker runner is not part of this release",
}


def registry(cache_dir: Path) -> dict[str, Runner]:
    return {
        "native": NativeRunner(),
        "qemu": QemuRunner(),
        "wine": WineRunner(cache_dir / "wine-prefix"),
    }


def choose(
    target: Target, host: Host, runners: dict[str, Runner]
) -> tuple[Runner | None, str, str]:
    """The first runner of the target that works here, or None and the reasons."""
    reasons = []
    for name in target.runners:
        runner = runners.get(name)
        if runner is None:
            reasons.append(f"{name}: {REMOTE_RUNNERS.get(name, 'unknown runner')}")
            continue
        avail = runner.check(target, host)
        if avail.ok:
            return runner, avail.version, ""
        reasons.append(f"{name}: {avail.explain()}")
    return None, "", "; ".join(reasons)
