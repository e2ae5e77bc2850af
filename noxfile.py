"""nox sessions of portmatrix; each forwards its arguments to `python -m matrix`.

nox -s matrix                    build, run and report every target (the main job)
nox -s matrix -- -t windows-x86_64 -p signals
nox -s tests                     unit and integration tests
nox -s wheels                    every target's wheel and the sdist into dist/, checked
nox -s wheels -- --bench         the same, then time all eight wheels from fresh core builds
"""

from __future__ import annotations

import nox

nox.options.sessions = ["matrix"]
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = False

PYTHON = "3.11"


def _harness(session: nox.Session) -> None:
    session.install("-r", "requirements.txt")


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build the native core for every target and decide the build-time probes."""
    _harness(session)
    session.run("python", "-m", "matrix", "build", *session.posargs)


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """Build, run the run-time probes wherever this host can, write reports/matrix.json."""
    _harness(session)
    session.run("python", "-m", "matrix", "conformance", *session.posargs)


@nox.session(python=PYTHON)
def report(session: nox.Session) -> None:
    """Render reports/matrix.md and reports/matrix.html from reports/matrix.json."""
    _harness(session)
    session.run("python", "-m", "matrix", "report", *session.posargs)


@nox.session(python=PYTHON)
def matrix(session: nox.Session) -> None:
    """Build, run and report: the whole matrix on the runners this host has."""
    _harness(session)
    session.run("python", "-m", "matrix", "matrix", *session.posargs)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit tests, then integration tests with the real zig, qemu and wine."""
    session.install("-r", "requirements-test.txt")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def wheels(session: nox.Session) -> None:
    """Build all eight wheels and the sdist into dist/ and check each like a release."""
    session.install("-r", "requirements-wheels.txt")
    session.run("python", "-m", "matrix.wheels", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over the Python code; the C core is held to -Wall -Wextra -Werror by every build."""
    session.install("ruff==0.17.6")
    session.run("ruff", "check", "matrix", "tests", "noxfile.py", *session.posargs)
