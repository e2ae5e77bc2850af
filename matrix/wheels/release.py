"""Build every target's wheel and the sdist into dist/, check each, print the summary.

    python -m matrix.wheels [--dist dist] [--jobs N]     (what `nox -s wheels` runs)

Builds go through the PEP 517 backend in this Python (no isolated
environment, so zig's cache stays warm) with the `target` config setting.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .. import platforms
from . import checks, choose, tags

__all__ = ["Artifact", "build", "build_all", "check_all", "main", "time_all_wheels"]

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Artifact:
    """One built file (wheel or sdist), its tag and the results of its checks."""

    path: Path
    tag: str
    checks: tuple[checks.Check, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def build(kind: str, out: Path, settings: dict[str, str], root: Path = ROOT) -> Path:
    """One PEP 517 build ("wheel" or "sdist") of `root` into `out`; raises on failure."""
    from build import ProjectBuilder
    from pyproject_hooks import quiet_subprocess_runner

    builder = ProjectBuilder(root, python_executable=sys.executable, runner=quiet_subprocess_runner)
    return Path(builder.build(kind, out, config_settings=settings))


def _targets(root: Path) -> dict:
    from .. import targets

    return {k: t for k, t in targets.load(root / "targets.yaml").items() if t.wheel_tag}


def build_all(out: Path, build_dir: Path, jobs: int, root: Path = ROOT) -> dict[str, Path]:
    """Every target's wheel, in parallel; {identifier: wheel}."""
    out.mkdir(parents=True, exist_ok=True)

    def one(ident: str) -> tuple[str, Path]:
        return ident, build("wheel", out, {"target": ident, "build-dir": str(build_dir)}, root)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(pool.map(one, _targets(root)))


def time_all_wheels(jobs: int = 2, root: Path = ROOT) -> float:
    """Seconds to build all eight wheels with a warm zig cache and fresh core builds."""
    with tempfile.TemporaryDirectory(prefix="portmatrix-bench-") as tmp:
        started = time.perf_counter()
        build_all(Path(tmp) / "dist", Path(tmp) / "cores", jobs, root)
        return time.perf_counter() - started


def check_wheel(
    path: Path, target, all_tags: Sequence[str], host_tag: str | None, work: Path
) -> Artifact:
    """Every check of one platform wheel."""
    platform = tags.parse(target.wheel_tag)
    full = tags.wheel_tag(platform.tag)
    results = [
        checks.check_name(path, full),
        checks.check_wheel_file(path),
        checks.check_metadata(_metadata(path), _version(path)),
        checks.check_record(path),
        checks.check_binary(path, platform),
    ]
    if platform.os == "linux":
        empty = work / "no-libraries"
        empty.mkdir(parents=True, exist_ok=True)
        results.append(checks.check_auditwheel(path, platform, empty))
    wrong = checks.wrong_platform(platform, all_tags)
    results.append(checks.check_pip(path, platform.tag, wrong, work / "pip"))
    if platform.tag == host_tag:
        results.append(checks.check_runs(path, work / "run", native=True))
    return Artifact(path, full, tuple(results))


def check_pure(path: Path, all_tags: Sequence[str], work: Path) -> Artifact:
    """A wheel without the native core: pure, and running on the fallbacks."""
    results = (
        checks.check_name(path, tags.PURE_TAG),
        checks.check_wheel_file(path),
        checks.check_metadata(_metadata(path), _version(path)),
        checks.check_record(path),
        checks.check_binary(path, None),
        checks.check_runs(path, work / "run", native=False),
    )
    return Artifact(path, tags.PURE_TAG, results)


def check_sdist(path: Path, host_wheel: Path | None, work: Path) -> Artifact:
    """The sdist: metadata, contents, and that it rebuilds the host wheel byte for byte."""
    with tarfile.open(path) as tf:
        member = next(
            m for m in tf.getmembers() if m.name.endswith("/PKG-INFO") and m.name.count("/") == 1
        )
        pkg_info = tf.extractfile(member).read().decode("utf-8")
        tf.extractall(work / "src", filter="data")
    version = path.name.removesuffix(".tar.gz").rsplit("-", 1)[1]
    results = [checks.check_metadata(pkg_info, version), checks.check_sdist_contents(path)]
    if host_wheel is not None:
        results.append(_rebuilds(next((work / "src").iterdir()), host_wheel, work))
    return Artifact(path, "sdist", tuple(results))


def _rebuilds(source: Path, host_wheel: Path, work: Path) -> checks.Check:
    try:
        again = build("wheel", work / "dist", {"build-dir": str(work / "cores")}, source)
    except Exception as exc:  # noqa: BLE001 - a failed build is this check failing
        return checks.Check("rebuild", False, f"host wheel from the sdist failed: {exc}")
    same = again.read_bytes() == host_wheel.read_bytes()
    detail = "host wheel identical" if same else f"{again.name} differs from {host_wheel.name}"
    return checks.Check("rebuild", same, detail)


def _metadata(path: Path) -> str:
    return checks._wheel_text(path, f"{checks._dist_info(path)}/METADATA")


def _version(path: Path) -> str:
    return path.name.split("-")[1]


def check_all(
    wheels: dict[str, Path], sdist: Path, targets: dict, work: Path, jobs: int
) -> list[Artifact]:
    """Check every wheel and the sdist, in parallel."""
    host_target = choose.for_host(targets, platforms.host())
    host_tag = host_target.wheel_tag if host_target else None
    all_tags = [t.wheel_tag for t in targets.values()]

    def one(ident: str) -> Artifact:
        return check_wheel(wheels[ident], targets[ident], all_tags, host_tag, work / ident)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        artifacts = list(pool.map(one, wheels))
    host_wheel = wheels.get(host_target.identifier) if host_target else None
    artifacts.append(check_sdist(sdist, host_wheel, work / "sdist"))
    return artifacts


def summary(artifacts: Sequence[Artifact], seconds: dict[str, float]) -> None:
    """The table: file, tag, size, sha256, checks; then every failed check."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.width = max(console.width, 150)  # the table is read in CI logs too
    table = Table(title="portmatrix release artefacts")
    for column in ("file", "tag", "size", "sha256", "checks"):
        table.add_column(column, justify="right" if column == "size" else "left", no_wrap=True)
    for a in artifacts:
        passed = sum(c.ok for c in a.checks)
        failed = ", ".join(c.name for c in a.checks if not c.ok)
        verdict = f"{passed}/{len(a.checks)} " + (f"✗ {failed}" if failed else "✓")
        table.add_row(
            a.path.name, a.tag, f"{a.path.stat().st_size / 1024:.1f} KiB", a.sha256[:16],
            verdict, style=None if a.ok else "red",
        )  # fmt: skip
    console.print(table)
    for a in artifacts:
        for c in a.checks:
            if not c.ok:
                console.print(f"✗ {a.path.name}: {c.name}: {c.detail}", markup=False, style="red")
    names = dict.fromkeys(c.name for a in artifacts for c in a.checks)
    console.print(f"checks: {', '.join(names)} (see docs/wheels.md)", markup=False)
    console.print(" · ".join(f"{k} {v:.1f} s" for k, v in seconds.items()), markup=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matrix.wheels", description=__doc__)
    parser.add_argument(
        "--dist", type=Path, default=Path("dist"), help="output folder (default: %(default)s)"
    )
    parser.add_argument(
        "--build-dir", type=Path, default=Path("build"), help="core builds (default: %(default)s)"
    )
    parser.add_argument("--jobs", "-j", type=int, default=2, help="parallel builds and checks")
    parser.add_argument(
        "--bench", action="store_true", help="also time all wheels from fresh core builds"
    )
    args = parser.parse_args(argv)
    targets = _targets(ROOT)
    if args.dist.exists():
        shutil.rmtree(args.dist)
    seconds = {}
    started = time.perf_counter()
    wheels = build_all(args.dist, args.build_dir, args.jobs)
    seconds[f"{len(wheels)} wheels"] = time.perf_counter() - started
    started = time.perf_counter()
    sdist = build("sdist", args.dist, {})
    seconds["sdist"] = time.perf_counter() - started
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="portmatrix-checks-") as work:
        artifacts = check_all(wheels, sdist, targets, Path(work), args.jobs)
    seconds["checks"] = time.perf_counter() - started
    _write_sums(args.dist, artifacts)
    if args.bench:
        seconds["bench: all wheels, warm zig, fresh cores"] = time_all_wheels(args.jobs)
    summary(artifacts, seconds)
    return 0 if all(a.ok for a in artifacts) else 1


def _write_sums(dist: Path, artifacts: Sequence[Artifact]) -> None:
    lines = [f"{a.sha256}  {a.path.name}\n" for a in sorted(artifacts, key=lambda a: a.path.name)]
    (dist / "SHA256SUMS").write_text("".join(lines), "utf-8")
