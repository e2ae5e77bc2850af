"""`python -m matrix`: the command line of portmatrix.

python -m matrix matrix        build, run and report (the main job)
python -m matrix build         native core and build-time probes only
python -m matrix conformance   build and run; write reports/matrix.json
python -m matrix report        render matrix.md and matrix.html from matrix.json
python -m matrix report --merge results/*/matrix.json --baseline OLD.json
                               merge results files from CI runners and this host,
                               list the cells that changed against OLD.json
python -m matrix targets       the targets and which runner each gets here
python -m matrix probes        the catalogue
python -m matrix engine        start a docker engine, build the environments' images
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from dataclasses import replace
from pathlib import Path

from . import catalogue, merge, pipeline, platforms, process, run, targets
from .errors import MatrixError
from .progress import Reporter
from .report import drift
from .report.model import deviations
from .run import engine

__all__ = ["main"]

EXIT_DEVIATIONS = 1
EXIT_INTERRUPTED = 130
#: `report --merge` left out at least one results file (the reports are written).
EXIT_REJECTED = 5
#: Added or removed cells printed before the rest are only counted.
SHOWN = 10


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--targets-file",
        type=Path,
        default=None,
        help="the targets file (default: ./targets.yaml, else the one installed with portmatrix)",
    )
    common.add_argument(
        "--catalogue",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of catalogue YAML files (default: the one in matrix/catalogue/data)",
    )
    common.add_argument(
        "-t",
        "--target",
        action="append",
        default=[],
        metavar="ID",
        help="only this target; repeat for more (default: all)",
    )
    common.add_argument(
        "-p",
        "--probe",
        action="append",
        default=[],
        metavar="ID",
        help="only this probe or category; repeat for more (default: all)",
    )
    common.add_argument(
        "-j",
        "--jobs",
        type=_positive_int,
        default=os.cpu_count() or 1,
        help="parallel compiles and runs (default: %(default)s, the cores)",
    )
    common.add_argument(
        "-o",
        "--out",
        type=Path,
        default=Path("reports"),
        help="folder for the reports (default: %(default)s)",
    )
    common.add_argument(
        "--build-dir",
        type=Path,
        default=Path("build"),
        help="folder for the built binaries (default: %(default)s)",
    )
    common.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(".cache"),
        help="results cache and wine prefix (default: %(default)s)",
    )
    common.add_argument("--fresh", action="store_true", help="ignore cached results and rebuild")
    common.add_argument(
        "--timeout",
        type=_positive_float,
        default=run.DEFAULT_TIMEOUT,
        metavar="S",
        help="seconds a run-time probe may take (default: %(default)s)",
    )
    common.add_argument(
        "--no-python", action="store_true", help="skip the pure-Python fallback column"
    )
    common.add_argument("--test-probes", action="store_true", help=argparse.SUPPRESS)
    common.add_argument(
        "--allow-deviations",
        action="store_true",
        help="exit 0 even when a cell deviates from its documented value",
    )
    common.add_argument(
        "--origin",
        default="",
        metavar="LABEL",
        help="where this run happens, as merged reports name it, e.g. github:ubuntu-24.04-arm "
        "(default: local:<host>)",
    )
    common.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="more diagnostics; -vv shows tracebacks"
    )
    parser = argparse.ArgumentParser(
        prog="python -m matrix",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = {}
    for name, text in (
        ("matrix", "build, run and report: the main job"),
        ("build", "build the native core and decide the build-time probes"),
        ("conformance", "build and run; write matrix.json"),
        (
            "report",
            "render matrix.md and matrix.html from matrix.json; or merge results files "
            "(--merge) and list what changed against a baseline (--baseline)",
        ),
        ("targets", "list the targets and how each runs here"),
        ("probes", "list the catalogue"),
        ("engine", "start a docker engine if none runs; build the environments' images"),
    ):
        commands[name] = sub.add_parser(name, parents=[common], help=text, description=text)
    _report_arguments(commands["report"])
    return parser


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        default=[],
        metavar="FILE",
        help="merge these results files (matrix.json from CI runners or other hosts) into "
        "OUT/matrix.json instead of rendering it; a file that cannot be used is named and "
        f"left out, and the command exits {EXIT_REJECTED}",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="FILE",
        help="an older results file: list the cells whose status or value changed since",
    )


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _options(args: argparse.Namespace) -> pipeline.Options:
    return pipeline.Options(
        targets_file=args.targets_file or targets.default_file(),
        catalogue_dir=args.catalogue,
        targets=tuple(args.target),
        probes=tuple(args.probe),
        jobs=args.jobs,
        out=args.out,
        build_dir=args.build_dir,
        cache_dir=args.cache_dir,
        fresh=args.fresh,
        timeout=args.timeout,
        test_probes=args.test_probes,
        python_backend=not args.no_python,
        origin=args.origin,
        origin_url=_ci_run_url(),
    )


def _ci_run_url() -> str:
    """The page of the GitHub Actions run this process is part of, or ''."""
    env = os.environ
    if env.get("GITHUB_ACTIONS") != "true" or not env.get("GITHUB_RUN_ID"):
        return ""
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    return f"{server}/{env.get('GITHUB_REPOSITORY', '')}/actions/runs/{env['GITHUB_RUN_ID']}"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
    )
    ui = Reporter(quiet=args.quiet)
    previous = _stop_on_signals()
    try:
        return COMMANDS[args.command](args, ui)
    except BrokenPipeError:
        # The reader (`| head`) has gone: stop quietly, as command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except MatrixError as exc:
        if args.verbose >= 2:
            raise
        ui.console.print(f"{ui.mark_bad} {exc}", markup=False, style="red")
        return exc.exit_code
    except (KeyboardInterrupt, process.Stopped):
        ui.console.print(
            "interrupted; every file written is complete, and the next run "
            "redoes only what is missing (--fresh starts over)",
            markup=False,
        )
        return EXIT_INTERRUPTED
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stop_on_signals() -> dict[int, object]:
    """Turn Ctrl-C and SIGTERM into a prompt stop: children killed, nothing half-written.

    Results and reports are only ever replaced whole (cache.write_atomic),
    so stopping at any point loses at most the work in progress.
    """

    def interrupt(signum: int, frame: object) -> None:
        process.stop()
        raise KeyboardInterrupt

    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, interrupt)
        except ValueError:  # not the main thread: leave the handlers alone
            break
    return previous


def _cmd_matrix(args: argparse.Namespace, ui: Reporter) -> int:
    p = pipeline.plan(_options(args))
    model = pipeline.judge(p, pipeline.execute(p, ui))
    paths = pipeline.render(model, p.options.out)
    return _finish(model, paths, args, ui)


def _cmd_build(args: argparse.Namespace, ui: Reporter) -> int:
    p = pipeline.plan(_options(args))
    cores, checks = pipeline.build(p, ui)
    failed = [c for c in cores.values() if not c.ok]
    for c in failed:
        ui.say(f"{c.target}: {c.error}")
    ui.say(
        f"{len(cores) - len(failed)} of {len(cores)} cores built into {p.options.build_dir}, "
        f"{len(checks)} build-time cells"
    )
    return 0


def _cmd_conformance(args: argparse.Namespace, ui: Reporter) -> int:
    p = pipeline.plan(_options(args))
    model = pipeline.judge(p, pipeline.execute(p, ui))
    path = p.options.out / "matrix.json"
    from .report.write import write_json

    write_json(model, path)
    return _finish(model, {"json": path}, args, ui)


def _cmd_report(args: argparse.Namespace, ui: Reporter) -> int:
    if args.merge:
        model = _merged(args)
    else:
        source = args.out / "matrix.json"
        if not source.exists():
            raise MatrixError(f"{source} not found; run `python -m matrix conformance` first")
        model = _results(source)
    if args.baseline:
        model = drift.attach(model, _results(args.baseline), str(args.baseline))
    paths = pipeline.render(model, args.out)
    for r in model["rejected"]:
        _say(ui, f"warning: left out {r['file']}: {r['reason']}", style="yellow")
    for line in merge.describe(model) + drift.lines(model["drift"], limit=SHOWN):
        _say(ui, line)
    code = _finish(model, paths, args, ui)
    return EXIT_REJECTED if model["rejected"] else code


def _results(path: Path) -> dict:
    try:
        return merge.load(path)
    except merge.Unusable as exc:
        raise MatrixError(f"{path}: {exc}") from None


def _merged(args: argparse.Namespace) -> dict:
    known = targets.load(args.targets_file or targets.default_file())
    cat = catalogue.load(args.catalogue or catalogue.DATA_DIR)
    try:
        return merge.merge(args.merge, targets=known, catalogue=cat, host=str(platforms.host()))
    except ValueError as exc:
        raise MatrixError(str(exc)) from None


def _say(ui: Reporter, text: str, style: str | None = None) -> None:
    """A line for the terminal or a CI log, never wrapped: it may hold a path or a command."""
    ui.console.print(text, markup=False, style=style, soft_wrap=True)


def _cmd_targets(args: argparse.Namespace, ui: Reporter) -> int:
    p = pipeline.plan(_options(args))
    runners = run.registry(p.options.cache_dir)
    for t in p.targets:
        runner, version, reason = run.choose(t, p.host, runners)
        how = f"runs with {runner.name} ({version})" if runner else f"build-time only: {reason}"
        print(f"{t.identifier:22} {t.triple:26} {how}")
        for name in t.environments:
            env = p.environments[name]
            root = f"{env.root} root, engine files {env.engine_files}"
            print(f"{'':22} @{name:25} in a container ({root})")
    return 0


def _cmd_engine(args: argparse.Namespace, ui: Reporter) -> int:
    """Everything the container environments need, readied once per machine."""
    p = pipeline.plan(_options(args))
    docker = run.DockerRunner(p.options.cache_dir)
    running, said = engine.start(docker.engine, p.options.cache_dir.resolve() / "dockerd.log")
    ui.say(said)
    placed = [(t, p.environments[e]) for t in p.targets for e in t.environments]
    info = docker.engine.status()[1]
    if not running or info is None or not placed:
        return 0
    for arch in sorted({t.arch for t, _ in placed} - {info.arch}):
        if engine.static_qemu(arch) is None:
            fetched, said = engine.fetch_static_qemu()
            ui.say(said)
            if not fetched:
                return 1
    failed = 0
    for env in {env.name: env for _, env in placed}.values():
        try:
            if env.engine_files == "hidden":
                docker.images.launcher(docker.zig(), info.arch)
            image = docker.images.ensure(env, info.arch)
        except run.ImageError as exc:
            ui.console.print(f"{ui.mark_bad} {env.name}: {exc.reason}; {exc.hint}", markup=False)
            failed += 1
            continue
        how = (
            f"built in {image.seconds:.1f} s (debootstrap {image.debootstrap_seconds:.1f} s, "
            f"import {image.import_seconds:.1f} s)"
            if image.built
            else "already built"
        )
        ui.say(f"{ui.mark_ok} {env.name}: {image.tag} {how}")
    return 1 if failed else 0


def _cmd_probes(args: argparse.Namespace, ui: Reporter) -> int:
    p = pipeline.plan(replace(_options(args)))
    for probe in p.probes:
        print(f"{probe.id:34} {probe.kind:5} {probe.title}")
    return 0


def _finish(model: dict, paths: dict[str, Path], args: argparse.Namespace, ui: Reporter) -> int:
    summary = ", ".join(f"{k}: {v}" for k, v in model["summary"].items())
    ui.console.print(f"{len(model['cells'])} cells ({summary})", markup=False)
    for kind, path in paths.items():
        ui.console.print(f"  {kind:4} {path}", markup=False)
    devs = deviations(model)
    for cell in devs:
        ui.console.print(
            f"  deviates: {cell['probe']} on {cell['column']}: observed "
            f"{cell['value']!r}, documented {cell['expected']}",
            markup=False,
        )
    if devs and not args.allow_deviations:
        ui.console.print(
            f"{len(devs)} cells deviate from the documentation; "
            "pass --allow-deviations to exit 0 anyway",
            markup=False,
        )
        return EXIT_DEVIATIONS
    return 0


COMMANDS = {
    "matrix": _cmd_matrix,
    "build": _cmd_build,
    "conformance": _cmd_conformance,
    "report": _cmd_report,
    "targets": _cmd_targets,
    "probes": _cmd_probes,
    "engine": _cmd_engine,
}
