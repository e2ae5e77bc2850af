"""The matrix pipeline: targets → toolchain → build → run → compare → report.

Each step is a small function taking the previous step's result.  A fault in
one target or one probe becomes that target's or probe's cells ("build
failed", "not run", "crashed" …); it never stops the other targets.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
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
from .environments import Environment
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
    environments: dict[str, Environment] = field(default_factory=dict)

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
    all_targets, envs = targets_mod.load_all(options.targets_file, zig.facts if zig else None)
    chosen = targets_mod.select(all_targets, options.targets)
    cat = catalogue_mod.load(options.catalogue_dir or catalogue_mod.DATA_DIR)
    probes = cat.select(options.probes, test_only=options.test_probes)
    return Plan(options, all_targets, chosen, cat, probes, zig, zig_error, environments=envs)


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
                t.identifier: pool.submit(build_core, p.zig, t, p.options.build_dir)
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
    observations, runs, env_runs = list(checks), {}, []
    placed = [(t, p.environments[e]) for t in p.targets for e in t.environments if run_probes]
    title = f"run-time probes: {len(run_probes)} on {len(p.targets)} targets"
    title += f" and {len(placed)} environments" if placed else ""
    with (
        ui.step(title, total=len(p.targets) + len(placed)) as step,
        ThreadPoolExecutor(max_workers=max(1, p.options.jobs)) as pool,
    ):
        futures = {
            t.identifier: pool.submit(_run_target, p, t, cores[t.identifier], run_probes, runners)
            for t in p.targets
        }
        docker = runners["docker"]
        assert isinstance(docker, run.DockerRunner)
        in_envs = {
            f"{t.identifier}@{env.name}": pool.submit(
                _run_environment, p, t, env, cores[t.identifier], run_probes, docker
            )
            for t, env in placed
        }
        for ident, fut in futures.items():
            found, how_it_ran = fut.result()
            observations += found
            runs[ident] = how_it_ran
            step.advance(ident)
        for ident, fut in in_envs.items():
            found, how_they_ran = fut.result()
            observations += found
            env_runs += how_they_ran
            step.advance(ident)
    cells = compare.judge_all(p.catalogue, p.all_targets, observations, python=sys.version_info[:2])
    model = report.assemble(
        catalogue=p.catalogue,
        targets=p.targets,
        cells=cells,
        runs=runs,
        host=str(p.host),
        zig=p.zig.version if p.zig else "missing",
        environments={env.name: env for _, env in placed},
        environment_runs=env_runs,
    )
    report.validate(model)
    return model


def _run_target(
    p: Plan, t: Target, core: CoreBuild, probes: Sequence[Probe], runners: dict[str, run.Runner]
) -> tuple[list[Observation], dict[str, str]]:
    if not probes:
        return [], {}
    runner, version, reason = run.choose(t, p.host, runners)
    if not core.ok:
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
    environment: str = "",
) -> list[Observation]:
    assert program is not None
    native = set(native_probe_names())
    how = How("run", runner.name, version, runner.backend, environment)
    column = Column(t.identifier, runner.backend, environment)
    todo = [run.Probed(pr.id, pr.timeout or p.options.timeout) for pr in probes if pr.id in native]
    found = run.run_probes(runner, t, program, todo, how, column)
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
    return run.run_probes(runner, t, Path(sys.executable), todo, how, column)


def _run_environment(
    p: Plan,
    t: Target,
    env: Environment,
    core: CoreBuild,
    probes: Sequence[Probe],
    docker: run.DockerRunner,
) -> tuple[list[Observation], list[dict[str, Any]]]:
    """One target in one container environment: the native core, and the fallbacks where they fit."""
    from .core import fallbacks

    found, runs = [], []
    for runner in docker.runners(t, env):
        column = Column(t.identifier, runner.backend, env.name)
        python = runner.backend == "python"
        todo = [pr for pr in probes if pr.id in fallbacks.REGISTRY or not python]
        if not python and not core.ok:
            reason = f"native core did not build: {core.error}"
            found += [_failed(pr, t, reason, column) for pr in todo]
            runs.append({"column": column.id, "environment": env.name, "reason": reason})
            continue
        avail = runner.check(t, p.host)
        started = time.monotonic()
        if not avail.ok:
            found += [_not_run(pr, t, avail.explain(), runner.name, column) for pr in todo]
        elif python:
            how = How("run", runner.name, avail.version, "python", env.name)
            limits = [run.Probed(pr.id, pr.timeout or p.options.timeout) for pr in todo]
            found += run.run_probes(runner, t, Path(env.python), limits, how, column)
        else:
            found += _run_with(p, t, runner, avail.version, core.executable, todo, env.name)
        runner.sweep()
        ran = {"runner": runner.name, "version": avail.version} if avail.ok else {}
        ran["seconds"] = time.monotonic() - started if avail.ok else 0.0
        reason = "" if avail.ok else avail.explain()
        runs.append({"column": column.id, "environment": env.name, **ran, "reason": reason})
    return found, runs


def _not_run(
    pr: Probe, t: Target, reason: str, runner: str, column: Column | None = None
) -> Observation:
    column = column or Column(t.identifier)
    how = How(pr.kind, runner, backend=column.backend, environment=column.environment)
    return Observation(pr.id, column, how, Outcome.NOT_RUN, None, reason)


def _failed(pr: Probe, t: Target, reason: str, column: Column | None = None) -> Observation:
    column = column or Column(t.identifier)
    how = How("run", "none", environment=column.environment)
    return Observation(pr.id, column, how, Outcome.BUILD_FAILED, None, reason)


def render(model: dict[str, Any], out: Path) -> dict[str, Path]:
    """Write the three reports from a model."""
    return report.write_all(model, out)


def load_model(path: Path) -> dict[str, Any]:
    model = json.loads(path.read_text("utf-8"))
    report.validate(model)
    return model
