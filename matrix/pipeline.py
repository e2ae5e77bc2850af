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
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from . import catalogue as catalogue_mod
from . import compare, platforms, report, run, toolchain
from . import targets as targets_mod
from .build import CoreBuild, build_core, check, native_probe_names
from .build.checks import batches, check_batch
from .build.core import NATIVE_DIR
from .cache import ResultCache, write_atomic
from .catalogue import Catalogue, Probe
from .errors import MatrixError
from .progress import Board, Reporter
from .results import Column, How, Observation, Outcome
from .schedule import Scheduler, Task
from .targets import Target

__all__ = [
    "Execution",
    "Options",
    "Plan",
    "build",
    "execute",
    "judge",
    "load_model",
    "plan",
    "render",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    targets_file: Path = Path("targets.yaml")
    catalogue_dir: Path | None = None
    native_dir: Path | None = None
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
    #: Where this run happens, as its results file names it (see matrix.merge):
    #: a CI runner's label, or "" for local:<host>; `url` links to the CI run.
    origin: str = ""
    origin_url: str = ""


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
    def native(self) -> Path:
        return self.options.native_dir or NATIVE_DIR

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


@dataclass
class Execution:
    """What building and running produced, before judging."""

    cores: dict[str, CoreBuild]
    observations: list[Observation]
    runs: dict[str, dict[str, str]]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def phases(self) -> dict[str, float]:
        """Seconds of work per phase (summed over tasks, so above wall time when parallel)."""
        total: dict[str, float] = {}
        for name, secs in self.seconds.items():
            phase = name.split(":", 1)[0]
            total[phase] = total.get(phase, 0.0) + secs
        return total


def execute(p: Plan, ui: Reporter, *, run_probes: bool = True) -> Execution:
    """Build every core, decide every build-time probe and, if asked, run the run-time probes.

    All of it is one task graph on `jobs` workers (see matrix.schedule).
    """
    if p.zig is None:
        ui.warn(f"{p.zig_error}; build cells are 'not run'")
    tasks = list(_tasks(p, run_probes))
    timings = _Timings(p.options.cache_dir / "timings.json")
    for task in tasks:
        task.estimate = timings.estimate(task)
    totals = {t.identifier: {"core": 0, "check": 0, "run": 0} for t in p.targets}
    for task in tasks:
        totals[task.group][task.phase] += 1
    scheduler = Scheduler(p.options.jobs)
    scheduler.add_all(tasks)
    with Board(ui, totals) as board:
        scheduler.on_event = board.update
        results, seconds = scheduler.run()
    timings.save(seconds)
    return _collect(p, tasks, results, seconds)


def _tasks(p: Plan, run_probes: bool) -> list[Task]:
    checks = [pr for pr in p.probes if pr.build]
    runnable = [pr for pr in p.probes if not pr.build]
    runners = run.registry(p.options.cache_dir)
    results = p.results
    tasks = []
    for t in p.targets:
        ident = t.identifier
        if p.zig is not None:
            tasks.append(
                Task(
                    f"core:{ident}",
                    ident,
                    "core",
                    partial(build_core, p.zig, t, p.options.build_dir, p.native),
                )
            )
            grouped, single = batches(checks)
            tasks += [
                Task(
                    f"check:{ident}:{pr.id}",
                    ident,
                    "check",
                    partial(check, p.zig, t, pr, results),
                    covers=(pr.id,),
                )
                for pr in single
            ]
            tasks += [
                Task(
                    f"check:{ident}:batch-{i}",
                    ident,
                    "check",
                    partial(check_batch, p.zig, t, group, results),
                    covers=tuple(pr.id for pr in group),
                    estimate=0.1,
                )
                for i, group in enumerate(grouped)
            ]
        if run_probes and runnable:
            deps = (f"core:{ident}",) if p.zig is not None else ()
            tasks.append(
                Task(
                    f"run:{ident}",
                    ident,
                    "run",
                    partial(_run_target, p, t, probes=runnable, runners=runners),
                    deps=deps,
                )
            )
            if p.options.python_backend and run.PythonRunner().check(t, p.host).ok:
                tasks.append(
                    Task(f"python:{ident}", ident, "run", partial(_run_python, p, t, runnable))
                )
    return tasks


def _collect(
    p: Plan, tasks: list[Task], results: dict[str, Any], seconds: dict[str, float]
) -> Execution:
    cores, observations, runs = {}, [], {}
    for t in p.targets:
        if p.zig is None:
            cores[t.identifier] = CoreBuild(t.identifier, False, error=p.zig_error)
            observations += [_not_run(pr, t, p.zig_error, "zig") for pr in p.probes if pr.build]
    for task in tasks:
        result = results[task.name]
        if isinstance(result, Exception):
            result = _task_fault(p, task, result)
        if task.phase == "core":
            cores[task.group] = result
        elif task.name.startswith("run:"):
            found, runs[task.group] = result
            observations += found
        elif isinstance(result, list):
            observations += result
        else:
            observations.append(result)
    return Execution(cores, observations, runs, seconds)


def _task_fault(p: Plan, task: Task, error: Exception) -> Any:
    """What a task that raised stands for: its cells say what went wrong."""
    log.error("task %s failed", task.name, exc_info=error)
    reason = f"internal error in {task.name}: {type(error).__name__}: {error}"
    if task.phase == "core":
        return CoreBuild(task.group, False, error=reason)
    if task.phase == "check":
        return [
            Observation(
                pid, Column(task.group), How("build", "zig"), Outcome.BUILD_FAILED, None, reason
            )
            for pid in task.covers
        ]
    probes = [pr for pr in p.probes if not pr.build]
    backend = "python" if task.name.startswith("python:") else "native"
    found = [
        Observation(
            pr.id,
            Column(task.group, backend),
            How("run", "none", backend=backend),
            Outcome.NOT_RUN,
            None,
            reason,
        )
        for pr in probes
    ]
    return found if backend == "python" else (found, {"reason": reason})


def build(p: Plan, ui: Reporter) -> tuple[dict[str, CoreBuild], list[Observation]]:
    """Build the native core for every target and decide the build-time probes."""
    done = execute(p, ui, run_probes=False)
    return done.cores, done.observations


def judge(p: Plan, done: Execution) -> dict[str, Any]:
    """Judge every observation against the catalogue and assemble the report model."""
    cells = compare.judge_all(
        p.catalogue, p.all_targets, done.observations, python=sys.version_info[:2]
    )
    model = report.assemble(
        catalogue=p.catalogue,
        targets=p.targets,
        cells=cells,
        runs=done.runs,
        host=str(p.host),
        zig=p.zig.version if p.zig else "missing",
        label=p.options.origin,
        url=p.options.origin_url,
    )
    report.validate(model)
    return model


class _Timings:
    """Seconds each task took last time, to schedule the slowest first."""

    DEFAULTS = {"core": 60.0, "check": 0.05, "run": 3.0, "python": 0.5}

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.known = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            self.known = {}

    def estimate(self, task: Task) -> float:
        known = self.known.get(task.name)
        if isinstance(known, (int, float)):
            return float(known)
        return self.DEFAULTS.get(task.name.split(":", 1)[0], 1.0)

    def save(self, seconds: dict[str, float]) -> None:
        merged = {**self.known, **{k: round(v, 3) for k, v in seconds.items()}}
        write_atomic(self.path, json.dumps(merged, sort_keys=True))


def _run_target(
    p: Plan,
    t: Target,
    core: CoreBuild | Exception | None = None,
    *,
    probes: Sequence[Probe],
    runners: dict[str, run.Runner],
) -> tuple[list[Observation], dict[str, str]]:
    """The target's run-time probes under the first runner that works here."""
    if not isinstance(core, CoreBuild):
        core = CoreBuild(t.identifier, False, error=str(core) if core else p.zig_error)
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
    native = set(native_probe_names(p.native))
    how = How("run", runner.name, version, runner.backend)
    column = Column(t.identifier, runner.backend)
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
    model = json.loads(path.read_text("utf-8"))
    report.validate(model)
    return model
