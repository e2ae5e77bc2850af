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
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from . import catalogue as catalogue_mod
from . import compare, platforms, report, run, toolchain
from . import targets as targets_mod
from .build import CoreBuild, build_core, native_probe_names
from .build.checks import batches, check_batch
from .build.core import NATIVE_DIR
from .cache import ResultCache, write_atomic
from .catalogue import Catalogue, Probe
from .environments import Environment
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
    "cold_core_estimate",
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
    environments: dict[str, Environment] = field(default_factory=dict)

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
    all_targets, envs = targets_mod.load_all(options.targets_file, zig.facts if zig else None)
    chosen = targets_mod.select(all_targets, options.targets)
    cat = catalogue_mod.load(
        options.catalogue_dir or catalogue_mod.DATA_DIR,
        memo=None if options.fresh else options.cache_dir / "catalogue",
    )
    probes = cat.select(options.probes, test_only=options.test_probes)
    return Plan(options, all_targets, chosen, cat, probes, zig, zig_error, environments=envs)


@dataclass
class Execution:
    """What building and running produced, before judging."""

    cores: dict[str, CoreBuild]
    observations: list[Observation]
    runs: dict[str, dict[str, str]]
    seconds: dict[str, float] = field(default_factory=dict)
    #: How each target@environment column ran: {"column", "environment", and
    #: "runner", "version", "seconds" or "reason"}.
    environment_runs: list[dict[str, Any]] = field(default_factory=list)

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
    elif run_probes and any(not pr.build for pr in p.probes):
        for line in run.missing(p.targets, p.host, run.registry(p.options.cache_dir)):
            ui.warn(line)
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
    done = _collect(p, tasks, results, seconds)
    _warn_not_started(ui, done)
    return done


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
                    partial(
                        build_core,
                        p.zig,
                        t,
                        p.options.build_dir,
                        p.native,
                        test_probes=p.options.test_probes,
                    ),
                    estimate=cold_core_estimate(t),
                )
            )
            grouped, single = batches(checks)
            for i, group in enumerate([*grouped, *([pr] for pr in single)]):
                name = group[0].id if len(group) == 1 else f"batch-{i}"
                decide = partial(check_batch, p.zig, t, group, results)
                tasks.append(
                    Task(
                        f"check:{ident}:{name}",
                        ident,
                        "check",
                        _after(decide),
                        deps=_links(ident, *group),
                        covers=tuple(pr.id for pr in group),
                    )
                )
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
            tasks += _environment_tasks(p, t, runnable, runners)
    return tasks


def _links(ident: str, *probes: Probe) -> tuple[str, ...]:
    """A check that links waits for its target's core, whose link builds zig's runtime for it.

    Otherwise, on a cold zig cache, it would start the same runtime build, or
    hold a worker waiting for zig's lock on it while the core builds.
    """
    if any(pr.build is not None and pr.build.kind == "function" for pr in probes):
        return (f"core:{ident}",)
    return ()


def _after(fn: Any) -> Any:
    """`fn` as a task that waits for others but takes none of their results."""
    return lambda *_done: fn()


def _collect(
    p: Plan, tasks: list[Task], results: dict[str, Any], seconds: dict[str, float]
) -> Execution:
    cores, observations, runs, env_runs = {}, [], {}, []
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
        elif task.name.startswith("env:"):
            found, ran = result
            observations += found
            env_runs.append(ran)
        elif isinstance(result, list):
            observations += result
        else:
            observations.append(result)
    return Execution(cores, observations, runs, seconds, env_runs)


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
    if task.name.startswith("env:"):
        return _environment_fault(task.name.split(":", 1)[1], probes, reason)
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
        environments={e: p.environments[e] for t in p.targets for e in t.environments},
        environment_runs=done.environment_runs,
    )
    report.validate(model)
    return model


#: Seconds a target's first core build takes on an empty zig cache, by libc,
#: until a run has measured it (2 cores): zig compiles MinGW-w64 and musl from
#: source, but only generates glibc's stub libraries and reads macOS's .tbd
#: files.  Started longest first, the slow ones do not trail at the end.
COLD_CORE_SECONDS = {"mingw": 90.0, "musl": 60.0, "glibc": 6.0, "libsystem": 6.0}


def cold_core_estimate(t: Target) -> float:
    return COLD_CORE_SECONDS.get(t.libc, 60.0)


class _Timings:
    """Seconds each task took last time, to schedule the slowest first."""

    DEFAULTS = {"check": 0.05, "run": 3.0, "python": 0.5, "env": 3.0}

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
        return self.DEFAULTS.get(task.name.split(":", 1)[0], task.estimate)

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
    native = set(native_probe_names(p.native, test_probes=p.options.test_probes))
    how = How("run", runner.name, version, runner.backend, environment)
    column = Column(t.identifier, runner.backend, environment)
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
    """The target's stored run-time results, so that an interrupted or unchanged run reuses them."""
    context = runner.identity() if isinstance(runner, run.EnvironmentRunner) else ()
    return run.RunCache.open(
        p.options.cache_dir, t, runner, version, program, fresh=p.options.fresh, context=context
    )


def _warn_not_started(ui: Reporter, done: Execution) -> None:
    """One line per target whose runner was found but could not start its programs."""
    for ident, how_it_ran in done.runs.items():
        runner = how_it_ran.get("runner")
        cells = [
            o
            for o in done.observations
            if o.column.target == ident and o.how.kind == "run" and o.how.runner == runner
        ]
        if (
            runner
            and cells
            and all(o.outcome is Outcome.NOT_RUN and o.detail.startswith(runner) for o in cells)
        ):
            ui.warn(f"{ident}: {cells[0].detail}; its run-time cells are 'not run'")


def _environment_tasks(
    p: Plan, t: Target, probes: Sequence[Probe], runners: dict[str, run.Runner]
) -> list[Task]:
    """One task per backend of the target in each of its container environments."""
    docker = runners["docker"]
    assert isinstance(docker, run.DockerRunner)
    tasks = []
    for name in t.environments:
        for runner in docker.runners(t, p.environments[name]):
            if runner.backend == "python" and not p.options.python_backend:
                continue
            column = Column(t.identifier, runner.backend, name)
            native = runner.backend == "native" and p.zig is not None
            fn = partial(_run_environment, p, t, p.environments[name], runner, probes=probes)
            deps = (f"core:{t.identifier}",) if native else ()
            deps += tuple(d for d in _launcher_deps(p, p.environments[name]) if d not in deps)
            tasks.append(Task(f"env:{column.id}", t.identifier, "run", _first(fn), deps=deps))
    return tasks


def _launcher_deps(p: Plan, env: Environment) -> tuple[str, ...]:
    """A hidden root's launcher is a static musl program for the engine's architecture.

    Built after the core of the musl target of that architecture, it reuses
    the runtime that build made, instead of building it a second time
    alongside.  The engine is local (the runner bind-mounts files), so its
    architecture is the host's.
    """
    if env.engine_files != "hidden" or p.zig is None:
        return ()
    return tuple(
        f"core:{t.identifier}"
        for t in p.targets
        if (t.os, t.libc, t.arch) == ("linux", "musl", p.host.arch)
    )[:1]


def _first(fn: Any) -> Any:
    """`fn` as a task taking only the result of its first dependency, if any."""
    return lambda *done: fn(*done[:1])


def _run_environment(
    p: Plan,
    t: Target,
    env: Environment,
    runner: run.EnvironmentRunner,
    core: CoreBuild | Exception | None = None,
    *,
    probes: Sequence[Probe],
) -> tuple[list[Observation], dict[str, Any]]:
    """One backend of the target in one container environment: the native core or the fallbacks."""
    from .core import fallbacks

    column = Column(t.identifier, runner.backend, env.name)
    python = runner.backend == "python"
    todo = [pr for pr in probes if pr.id in fallbacks.REGISTRY or not python]
    ran: dict[str, Any] = {"column": column.id, "environment": env.name}
    if not python and p.zig is None:
        reason = f"not built: {p.zig_error}"
        return [_not_run(pr, t, reason, "none", column) for pr in todo], {**ran, "reason": reason}
    if not python and not isinstance(core, CoreBuild):
        core = CoreBuild(t.identifier, False, error=str(core) if core else p.zig_error)
    if not python and not core.ok:
        reason = f"native core did not build: {core.error}"
        return [_failed(pr, t, reason, column) for pr in todo], {**ran, "reason": reason}
    avail = runner.check(t, p.host)
    if not avail.ok:
        found = [_not_run(pr, t, avail.explain(), runner.name, column) for pr in todo]
        return found, {**ran, "reason": avail.explain()}
    started = time.monotonic()
    if python:
        how = How("run", runner.name, avail.version, "python", env.name)
        limits = [run.Probed(pr.id, pr.timeout or p.options.timeout) for pr in todo]
        program = Path(env.python)
        cached = _run_cache(p, t, runner, avail.version, program)
        found = cached.run(runner, t, program, limits, how, column)
    else:
        found = _run_with(p, t, runner, avail.version, core.executable, todo, env.name)
    runner.sweep()
    seconds = time.monotonic() - started
    return found, {**ran, "runner": runner.name, "version": avail.version, "seconds": seconds}


def _environment_fault(
    column_id: str, probes: Sequence[Probe], reason: str
) -> tuple[list[Observation], dict[str, Any]]:
    target, _, rest = column_id.partition("@")
    env, _, python = rest.partition("+")
    column = Column(target, python or "native", env)
    how = How("run", "docker", backend=column.backend, environment=env)
    found = [Observation(pr.id, column, how, Outcome.NOT_RUN, None, reason) for pr in probes]
    return found, {"column": column_id, "environment": env, "reason": reason}


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
