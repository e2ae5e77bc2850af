"""One real matrix run of every target, shared by the integration tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from matrix import pipeline
from matrix.progress import Reporter

from ..conftest import TARGETS_FILE


@pytest.fixture(scope="session")
def run_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("matrix")
    return {name: base / name for name in ("build", "cache", "reports")}


@pytest.fixture(scope="session")
def matrix_plan(zig, run_dirs) -> pipeline.Plan:
    options = pipeline.Options(
        targets_file=TARGETS_FILE,
        build_dir=run_dirs["build"],
        cache_dir=run_dirs["cache"],
        out=run_dirs["reports"],
    )
    return pipeline.plan(options)


@pytest.fixture(scope="session")
def execution(matrix_plan) -> pipeline.Execution:
    """Cores and build-time cells for all eight targets, built for real with zig, and the
    run-time cells from native, qemu and wine runs."""
    return pipeline.execute(matrix_plan, Reporter(quiet=True))


@pytest.fixture(scope="session")
def built(execution):
    return execution.cores, execution.observations


@pytest.fixture(scope="session")
def model(matrix_plan, execution) -> dict[str, Any]:
    """The whole matrix, judged and validated, with its reports written."""
    result = pipeline.judge(matrix_plan, execution)
    pipeline.render(result, matrix_plan.options.out)
    return result


@pytest.fixture(scope="session")
def cell(model):
    """cell(probe, column) -> the cell dict; fails the test when it is missing."""
    index = {(c["probe"], c["column"]): c for c in model["cells"]}

    def lookup(probe: str, column: str) -> dict[str, Any]:
        assert (probe, column) in index, f"no cell for {probe} on {column}"
        return index[(probe, column)]

    return lookup
