"""The matrix pipeline: targets → toolchain → build → run → compare → report.

Each step is a small function taking the previous step's result.  A fault in
one target or one probe becomes that target's or probe's cells ("build
failed", "not run", "crashed" …); it never stops the other targets.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import catalogue as catalogue_mod
from . import compare, platforms, report, run, toolchain
from . import targets as targets_mod
from .build import CoreBuild, build_core, check_all, native_probe_names
from .cache import ResultCache
from .catalogue import Catalogue, Probe
from .errors import MatrixError
from .progress import Reporter
from .results import Column, How, Observation, Outcome
from .targets import Target

__all__ = ["Options", "Plan", "build", "conformance", "plan", "render"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    targets_file: Path = Path("targets.yaml")
    catalogue_dir: Path | None = None
    targets: tuple[str, ...] = ()
    probes: tuple[str, ...] = ()
    jobs: int = os.cpu_count() or 1
    out: Path = Path("reports")
    build_dir: Path = Path("build")
    cache_dir: Path = Path(".cache")
    fresh: bool = False
    timeout: float = run.DEFAULT_TIMEOUT
    test_probes: bool = False
    python_backend: bool = True


@dataclass
class Plan:
    """What a run will do: resolved targets, probes and toolchain."""

    options: Options
    all_targets: dict[str, Target]
    targets: list[Target]
    catalogue: Catalogue
    probes: list[Probe]
    zig: toolchain.Zig | None
    zig_error: str = ""
    host: platforms.Host = field(default_factory=platforms.host)

    @property
    def results(self) -> ResultCache:
        return ResultCache(self.options.cache_dir / "results", fresh=self.options.fresh)


def plan(options: Options) -> Plan:
    """Load targets.yaml and the catalogue, find zig; bad input raises ConfigError."""
    zig, zig_error = None, ""
    try:
        zig = toolchain.find()
    except MatrixError as exc:
        zig_error = str(exc)
    all_targets = targets_mod.load(options.targets_file, zig.facts if zig else None)
    chosen = targets_mod.select(all_targets, options.targets)
    cat = catalogue_mod.load(options.catalogue_dir or catalogue_mod.DATA_DIR)
    probes = cat.select(options.probes, test_only=options.test_probes)
    return Plan(options, all_targets, chosen, cat, probes, zig, zig_error)


def build(p: Plan, ui: Reporter) -> tuple[dict[str, CoreBuild], list[Observation]]:
    """Build the native core for every target, then decide the build-time probes."""
    if p.zig is None:
        ui.warn(f"{p.zig_error}; build cells are 'not run'")
        cores = {t.identifier: CoreBuild(t.identifier, False, error=p.zig_error) for t in p.targets}
        return cores, [
            _not_run(pr, t, p.zig_error, "zig") for t in p.targets for pr in p.probes if pr.build
        ]
    cores = _build_cores(p, ui)
    checks = [pr for pr in p.probes if pr.build]
    with ui.step(
        f"build-time probes: {len(checks)} × {len(p.targets)} targets",
        total=len(checks) * len(p.targets),
    ) as step:
        observations = check_all(
            p.zig,
            p.targets,
            checks,
            p.results,
            p.options.jobs,
            on_done=lambda o: step.advance(f"{o.column.target} {o.probe}"),
        )
    return cores, observations


def _build_cores(p: Plan, ui: Reporter) -> dict[str, CoreBuild]:
    assert p.zig is not None
    with ui.step(f"native core for {len(p.targets)} targets", total=len(p.targets)) as step:
        # The targets whose libc zig has not built yet are slow (4-100 s);
        # all start at once, so the slowest begins first rather than last.
        with ThreadPoolExecutor(max_workers=max(1, p.options.jobs)) as pool:
            futures = {
                t.identifier: pool.submit(
                    build_core, p.zig, t, p.options.build_dir, test_probes=p.options.test_probes
                )
                for t in p.targets
            }
            cores = {}
            for ident, fut in futures.items():
                cores[ident] = fut.result()
                step.advance(ident)
        failed = [c for c in cores.values() if not c.ok]
        step.failed = bool(failed)
        step.note = ", ".join(f"{c.target} failed: {c.error}" for c in failed)
    return cores


def conformance(
    p: Plan, ui: Reporter, cores: dict[str, CoreBuild], checks: list[Observation]
) -> dict[str, Any]:
    """Run the run-time probes wherever this host can, judge every cell, assemble the model."""
    runners = run.registry(p.options.cache_dir)
    run_probes = [pr for pr in p.probes if not pr.build]
    observations, runs = list(checks), {}
    title = f"run-time probes: {len(run_probes)} on {len(p.targets)} targets"
    if run_probes and p.zig is not None:
        for line in run.missing(p.targets, p.host, runners):
            ui.warn(line)
    with (
        ui.step(title, total=len(p.targets)) as step,
        ThreadPoolExecutor(max_workers=max(1, p.options.jobs)) as pool,
    ):
        futures = {
            t.identifier: pool.submit(_run_target, p, t, cores[t.identifier], run_probes, runners)
            for t in p.targets
        }
        for ident, fut in futures.items():
            found, how_it_ran = fut.result()
            _warn_not_started(ui, ident, found, how_it_ran)
            observations += found
            runs[ident] = how_it_ran
            step.advance(ident)
    cells = compare.judge_all(p.catalogue, p.all_targets, observations, python=sys.version_info[:2])
    model = report.assemble(
        catalogue=p.catalogue,
        targets=p.targets,
        cells=cells,
        runs=runs,
        host=str(p.host),
        zig=p.zig.version if p.zig else "missing",
    )
    report.validate(model)
    return model


def _run_target(
    p: Plan, t: Target, core: CoreBuild, probes: Sequence[Probe], runners: dict[str, run.Runner]
) -> tuple[list[Observation], dict[str, str]]:
    if not probes:
        return [], {}
    runner, version, reason = run.choose(t, p.host, runners)
    if p.zig is None:
        reason = f"not built: {p.zig_error}"
        found = [_not_run(pr, t, reason, "none") for pr in probes]
    elif not core.ok:
        reason = f"native core did not build: {core.error}"
        found = [_failed(pr, t, reason) for pr in probes]
    elif runner is None:
        found = [_not_run(pr, t, reason, "none") for pr in probes]
    else:
        found = _run_with(p, t, runner, version, core.executable, probes)
    how_it_ran = (
        {"runner": runner.name, "version": version} if runner and core.ok else {"reason": reason}
    )
    if p.options.python_backend:
        found += _run_python(p, t, probes)
    return found, how_it_ran


def _run_with(
    p: Plan,
    t: Target,
    runner: run.Runner,
    version: str,
    program: Path | None,
    probes: Sequence[Probe],
) -> list[Observation]:
    assert program is not None
    native = set(native_probe_names(test_probes=p.options.test_probes))
    how = How("run", runner.name, version, runner.backend)
    column = Column(t.identifier, runner.backend)
    todo = [run.Probed(pr.id, pr.timeout or p.options.timeout) for pr in probes if pr.id in native]
    found = _run_cache(p, t, runner, version, program).run(runner, t, program, todo, how, column)
    missing = [pr for pr in probes if pr.id not in native]
    return found + [
        Observation(
            pr.id, column, how, Outcome.NOT_RUN, None, "no native implementation of this probe"
        )
        for pr in missing
    ]


def _run_python(p: Plan, t: Target, probes: Sequence[Probe]) -> list[Observation]:
    from .core import fallbacks

    runner = run.PythonRunner()
    avail = runner.check(t, p.host)
    if not avail.ok:
        return []
    how = How("run", "python", avail.version, "python")
    column = Column(t.identifier, "python")
    todo = [
        run.Probed(pr.id, pr.timeout or p.options.timeout)
        for pr in probes
        if pr.id in fallbacks.REGISTRY
    ]
    program = Path(sys.executable)
    return _run_cache(p, t, runner, avail.version, program).run(
        runner, t, program, todo, how, column
    )


def _run_cache(p: Plan, t: Target, runner: run.Runner, version: str, program: Path) -> run.RunCache:
    """The target's stored run-time results, so that an interrupted run resumes."""
    return run.RunCache.open(
        p.options.cache_dir, t, runner, version, program, fresh=p.options.fresh
    )


def _warn_not_started(
    ui: Reporter, ident: str, found: list[Observation], how_it_ran: dict[str, str]
) -> None:
    """One line when a runner that was found could not start the target's programs."""
    runner = how_it_ran.get("runner")
    cells = [o for o in found if o.how.kind == "run" and o.how.runner == runner]
    if (
        runner
        and cells
        and all(o.outcome is Outcome.NOT_RUN and o.detail.startswith(runner) for o in cells)
    ):
        ui.warn(f"{ident}: {cells[0].detail}; its run-time cells are 'not run'")


def _not_run(pr: Probe, t: Target, reason: str, runner: str) -> Observation:
    how = How(pr.kind, runner)
    return Observation(pr.id, Column(t.identifier), how, Outcome.NOT_RUN, None, reason)


def _failed(pr: Probe, t: Target, reason: str) -> Observation:
    return Observation(
        pr.id, Column(t.identifier), How("run", "none"), Outcome.BUILD_FAILED, None, reason
    )


def render(model: dict[str, Any], out: Path) -> dict[str, Path]:
    """Write the three reports from a model."""
    return report.write_all(model, out)


def load_model(path: Path) -> dict[str, Any]:
    """A matrix.json from anywhere, validated against the schema; ConfigError if it does not fit."""
    return report.load(path)
