"""`python -m matrix.bench`: how long the matrix takes, measured in one invocation.

Scenarios, each in fresh temporary folders unless it says otherwise:

  libc-alone  zig building a trivial executable and shared library per target
              with an empty zig cache: the floor no harness can go below
  cold        the full matrix with empty zig and result caches
  warm        the full matrix with zig's cache warm, no build or result cache
  no-op       the same run again: everything cached
  touch-one   one platform C file changed (native/src/win/os.c)
  jobs-1      as warm, with --jobs 1
  wheels      eight wheels with a warm zig cache, where the wheels module exists

Prints a table and writes the figures as JSON (default reports/bench.json) so
that commits can be compared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from . import pipeline, platforms, targets, toolchain
from .build.core import NATIVE_DIR
from .cache import write_atomic
from .progress import Reporter

__all__ = ["main"]

#: One exported function, as the core's shared library has (zig 0.17.0 crashes
#: linking a stripped macOS dylib that exports nothing).
TRIVIAL = """\
#ifdef _WIN32
#define PM_EXPORT __declspec(dllexport)
#else
#define PM_EXPORT __attribute__((visibility("default")))
#endif
PM_EXPORT int pm_bench(void) { return 0; }
int main(void) { return pm_bench(); }
"""


def _zig_cache(root: Path) -> None:
    """Point every zig started from here on at a cache under `root`."""
    os.environ["ZIG_GLOBAL_CACHE_DIR"] = str(root / "zig-global")
    os.environ["ZIG_LOCAL_CACHE_DIR"] = str(root / "zig-local")


def _matrix(work: Path, jobs: int, native: Path | None = None) -> tuple[float, dict[str, float]]:
    options = pipeline.Options(
        jobs=jobs,
        out=work / "reports",
        build_dir=work / "build",
        cache_dir=work / "cache",
        native_dir=native,
    )
    started = time.monotonic()
    p = pipeline.plan(options)
    done = pipeline.execute(p, Reporter(quiet=True))
    pipeline.render(pipeline.judge(p, done), options.out)
    return time.monotonic() - started, done.phases


def _libc_alone(work: Path, jobs: int) -> float:
    zig = toolchain.find()
    chosen = targets.load(Path("targets.yaml"), zig.facts).values()
    src = work / "trivial.c"
    src.write_text(TRIVIAL)

    def one(t: targets.Target) -> None:
        # What the matrix links per target: an executable and a shared
        # library, with its flags and system libraries, so the same runtime
        # builds (libc, compiler_rt, import libraries) happen here.
        out = work / t.identifier
        out.mkdir()
        policy = platforms.POLICIES[t.os]
        libs = [f"-l{name}" for name in policy.libs]
        for extra, name in (([], "a.out"), (["-shared", *policy.shared_flags], "lib.so")):
            args = ["-target", t.triple, *toolchain.RUNTIME_FLAGS, *extra, str(src), *libs]
            proc = zig.cc([*args, "-o", str(out / name)], cwd=out)
            if proc.returncode != 0:
                said = proc.stderr.strip()[:300] or f"zig cc exited with {proc.returncode}"
                raise RuntimeError(f"{t.identifier}: {said}")

    started = time.monotonic()
    # Longest first, in the order the matrix's scheduler starts them.
    ordered = sorted(chosen, key=pipeline.cold_core_estimate, reverse=True)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, ordered))
    return time.monotonic() - started


def _wheels() -> float | None:
    try:
        from .wheels import bench_wheels  # built by `nox -s wheels`
    except ImportError:
        return None
    return bench_wheels()


def run(jobs: int, skip_cold: bool) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    phases: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="pm-bench-") as tmp:
        root = Path(tmp)

        def scenario(name: str, fn: Callable[[], Any]) -> None:
            print(f"… {name}", file=sys.stderr, flush=True)
            result = fn()
            if isinstance(result, tuple):
                figures[name], phases[name] = result
            else:
                figures[name] = result
            print(
                f"✓ {name}: {figures[name]:.2f}s"
                if figures[name] is not None
                else f"- {name}: n/a",
                file=sys.stderr,
                flush=True,
            )

        if not skip_cold:
            _zig_cache(root / "alone")
            scenario("libc-alone", lambda: _libc_alone(_mkdir(root / "alone-work"), jobs))
        _zig_cache(
            root / "zig" if not skip_cold else Path(os.environ.get("HOME", tmp)) / ".cache/zig"
        )
        if skip_cold:
            os.environ.pop("ZIG_GLOBAL_CACHE_DIR", None)
            os.environ.pop("ZIG_LOCAL_CACHE_DIR", None)
        else:
            scenario("cold", lambda: _matrix(root / "cold", jobs))
        scenario("warm", lambda: _matrix(root / "warm", jobs))
        scenario("no-op", lambda: _matrix(root / "warm", jobs))
        native = root / "native"
        shutil.copytree(NATIVE_DIR, native)
        win_os = native / "src" / "win" / "os.c"
        win_os.write_text(win_os.read_text() + "\n/* touched by the benchmark */\n")
        scenario("touch-one", lambda: _matrix(root / "warm", jobs, native))
        scenario("jobs-1", lambda: _matrix(root / "jobs1", 1))
        scenario("wheels", _wheels)
    if "cold" in figures and figures.get("libc-alone"):
        figures["cold/libc-alone"] = figures["cold"] / figures["libc-alone"]
    figures["jobs-1/warm"] = figures["jobs-1"] / figures["warm"]
    return {
        "date": dt.date.today().isoformat(),
        "host": f"{platform.system()} {platform.machine()}",
        "cores": os.cpu_count(),
        "jobs": jobs,
        "seconds": {k: round(v, 3) for k, v in figures.items() if v is not None},
        "phases": {k: {p: round(s, 3) for p, s in v.items()} for k, v in phases.items()},
    }


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def show(result: dict[str, Any]) -> None:
    console = Console()
    table = Table(
        title=f"portmatrix bench, {result['date']}, {result['host']}, "
        f"{result['cores']} cores, --jobs {result['jobs']}"
    )
    table.add_column("scenario")
    table.add_column("seconds / ratio", justify="right")
    for name, value in result["seconds"].items():
        table.add_row(name, f"{value:.2f}" + ("×" if "/" in name else " s"))
    console.print(table)
    breakdown = Table(title="work per phase (seconds summed over tasks)")
    breakdown.add_column("scenario")
    names = sorted({p for v in result["phases"].values() for p in v})
    for n in names:
        breakdown.add_column(n, justify="right")
    for scen, values in result["phases"].items():
        breakdown.add_row(scen, *(f"{values.get(n, 0):.2f}" for n in names))
    console.print(breakdown)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m matrix.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--skip-cold", action="store_true", help="skip the cold scenarios (several minutes each)"
    )
    parser.add_argument("--json", type=Path, default=Path("reports/bench.json"))
    args = parser.parse_args(argv)
    result = run(args.jobs, args.skip_cold)
    show(result)
    write_atomic(args.json, json.dumps(result, indent=1) + "\n")
    print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
