"""nox sessions of portmatrix; each forwards its arguments to `python -m matrix`.

nox -s matrix                    build, run and report every target (the main job)
nox -s matrix -- -t windows-x86_64 -p signals
nox -s matrix -- -t linux-x86_64-gnu --origin local -o results/local --allow-deviations
                                 what one runner job of .github/workflows/matrix.yml runs
nox -s report -- --merge results/*/matrix.json --baseline OLD.json
                                 merge results files, list the cells changed since OLD.json
nox -s tests                     unit and integration tests
nox -s wheels                    every target's wheel and the sdist into dist/, checked
nox -s wheels -- --bench         the same, then time all eight wheels from fresh core builds
nox -s engine                    start a docker engine, build the container environments
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox

nox.options.sessions = ["matrix"]
nox.options.error_on_missing_interpreters = False

#: One virtual environment for every session.  zig's cache keys its libc
#: builds by the path of the zig installation, so sessions with a ziglang of
#: their own would each rebuild every target's libc (minutes); sharing one
#: environment builds them once.
HARNESS = Path(".nox") / "harness"


def _python() -> str:
    folder = "Scripts" if os.name == "nt" else "bin"
    return str(HARNESS / folder / ("python.exe" if os.name == "nt" else "python"))


def _harness(session: nox.Session, requirements: str = "requirements.txt") -> str:
    """Create or update the shared environment; return its Python."""
    if sys.version_info < (3, 11):  # noqa: UP036 (nox may run on an older Python)
        session.error(
            f"portmatrix needs Python 3.11 or newer; nox runs on {sys.version.split()[0]}"
        )
    if not Path(_python()).exists():
        session.run(sys.executable, "-m", "venv", str(HARNESS), external=True)
    session.run(
        _python(),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        "-r",
        requirements,
        external=True,
    )
    return _python()


@nox.session(venv_backend="none")
def build(session: nox.Session) -> None:
    """Build the native core for every target and decide the build-time probes."""
    python = _harness(session)
    session.run(python, "-m", "matrix", "build", *session.posargs)


@nox.session(venv_backend="none")
def conformance(session: nox.Session) -> None:
    """Build, run the run-time probes wherever this host can, write reports/matrix.json."""
    python = _harness(session)
    session.run(python, "-m", "matrix", "conformance", *session.posargs)


@nox.session(venv_backend="none")
def report(session: nox.Session) -> None:
    """Render reports/matrix.md and .html from matrix.json, or from `-- --merge FILE...`."""
    python = _harness(session)
    session.run(python, "-m", "matrix", "report", *session.posargs)


@nox.session(venv_backend="none")
def matrix(session: nox.Session) -> None:
    """Build, run and report: the whole matrix on the runners this host has."""
    python = _harness(session)
    session.run(python, "-m", "matrix", "matrix", *session.posargs)


@nox.session(venv_backend="none")
def engine(session: nox.Session) -> None:
    """Start a local docker engine unless one runs, then build the environments' images.

    The engine keeps running after the session (it needs root and dockerd from
    Debian's docker.io); images are built once per machine and recipe.
    """
    python = _harness(session)
    session.run(python, "-m", "matrix", "engine", *session.posargs)


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    """Unit tests, then integration tests with the real zig, qemu and wine."""
    python = _harness(session, "requirements-test.txt")
    session.run(python, "-m", "pytest", *session.posargs)


@nox.session(venv_backend="none")
def wheels(session: nox.Session) -> None:
    """Build all eight wheels and the sdist into dist/ and check each like a release."""
    python = _harness(session, "requirements-wheels.txt")
    session.run(python, "-m", "matrix.wheels", *session.posargs)


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """ruff over the Python code; the C core is held to -Wall -Wextra -Werror by every build."""
    python = _harness(session, "requirements-test.txt")
    session.run(python, "-m", "ruff", "check", "matrix", "tests", "noxfile.py", *session.posargs)
    session.run(python, "-m", "ruff", "format", "--check", "matrix", "tests", "noxfile.py")


@nox.session(venv_backend="none")
def bench(session: nox.Session) -> None:
    """Time the matrix: cold, warm, no-op, one file touched, --jobs 1, wheels (prints figures)."""
    python = _harness(session)
    session.run(python, "-m", "matrix.bench", *session.posargs)
