"""Run-time results kept per target, so that an interrupted run resumes where it stopped.

A stored result is found again only when everything that determines it is
unchanged: the program's content (the portprobe binary, or the sources of
the pure-Python fallbacks), the target's triple, the runner and its
version, the probe and its time limit, and for a container environment
the image (by the engine's content digest) and what is mounted into it.
Only values are kept; a probe that
crashed, timed out or printed junk runs again next time, since a fault may
be the machine's and not the probe's.  What the host itself provides to a
target run outside a container (its time zone data, its hosts file) is not
part of the key: after changing it, start over with --fresh.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .. import cache
from ..results import Column, How, Observation, Outcome
from ..targets import Target
from .base import Runner
from .execute import Probed, run_probes

__all__ = ["RunCache", "program_digest"]

#: The sources the python backend runs: the fallbacks and their entry point.
CORE_DIR = Path(__file__).resolve().parents[1] / "core"


def program_digest(runner: Runner, program: Path) -> str:
    """SHA-256 of what runs: the binary, or for the python backend the fallbacks' sources."""
    h = hashlib.sha256()
    files = sorted(CORE_DIR.rglob("*.py")) if runner.backend == "python" else [program]
    for path in files:
        h.update(path.name.encode("utf-8") + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


@dataclass(frozen=True)
class RunCache:
    """The stored run-time results of one target through one runner and program."""

    results: cache.ResultCache
    parts: tuple[str, ...]

    @classmethod
    def open(
        cls,
        root: Path,
        target: Target,
        runner: Runner,
        version: str,
        program: Path,
        *,
        fresh: bool = False,
        context: tuple[str, ...] = (),
    ) -> RunCache:
        """The cache under root/runs/<target>; `fresh` ignores what is stored there.

        `context` is what else decides the results: for a container, its
        image and what is mounted into it (see EnvironmentRunner.identity).
        """
        parts = (target.triple, runner.name, version, program_digest(runner, program), *context)
        return cls(cache.ResultCache(root / "runs" / target.identifier, fresh=fresh), parts)

    def _key(self, probe: Probed) -> str:
        return cache.key("run", *self.parts, probe.id, probe.timeout)

    def get(self, probe: Probed, how: How, column: Column) -> Observation | None:
        stored = self.results.get(self._key(probe))
        if not isinstance(stored, dict) or stored.get("outcome") != Outcome.OK.value:
            return None
        value = stored.get("value")
        if value is not None and not isinstance(value, int | str | bool):
            return None
        return Observation(
            probe.id,
            column,
            how,
            Outcome.OK,
            value,
            str(stored.get("detail", "")),
            float(stored.get("seconds", 0.0)),
        )

    def put(self, probe: Probed, obs: Observation) -> None:
        if obs.outcome is Outcome.OK:
            self.results.put(
                self._key(probe),
                {
                    "outcome": obs.outcome.value,
                    "value": obs.value,
                    "detail": obs.detail,
                    "seconds": obs.seconds,
                },
            )

    def run(
        self,
        runner: Runner,
        target: Target,
        program: Path,
        probes: list[Probed],
        how: How,
        column: Column,
    ) -> list[Observation]:
        """run_probes for the probes not stored yet, storing each value as it comes."""
        by_id = {p.id: p for p in probes}
        known = {p.id: hit for p in probes if (hit := self.get(p, how, column)) is not None}
        return run_probes(
            runner,
            target,
            program,
            probes,
            how,
            column,
            on_result=lambda obs: self.put(by_id[obs.probe], obs),
            known=known,
        )
