"""The GitHub workflows, checked offline: the workflow JSON Schema, actionlint, zizmor, and
this project's own rules (pinned actions, least privilege, every target on a real runner)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from matrix import targets

from ..conftest import ROOT, TARGETS_FILE

WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*\b")


def tool(name: str) -> str:
    """A linter installed from PyPI into this Python's scripts folder (or on PATH)."""
    scripts = sysconfig.get_path("scripts")
    found = shutil.which(name, path=scripts) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed; pip install -r requirements-test.txt")
    return found


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text("utf-8"))


def jobs(path: Path) -> dict[str, Any]:
    return load(path)["jobs"]


def steps(path: Path):
    for name, job in jobs(path).items():
        for step in job.get("steps", ()):
            yield name, step


def test_there_are_the_two_workflows():
    assert [p.name for p in FILES] == ["matrix.yml", "wheels.yml"]


def test_workflows_fit_the_github_workflow_schema():
    # check-jsonschema ships the schema of workflow files; it needs no network.
    cmd = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
    proc = subprocess.run([*cmd, *map(str, FILES)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_finds_nothing():
    proc = subprocess.run(
        [tool("actionlint"), "-color=false", *map(str, FILES)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_finds_nothing():
    proc = subprocess.run(
        [
            tool("zizmor"),
            "--offline",
            "--no-progress",
            "--config",
            str(ROOT / ".github" / "zizmor.yml"),
            str(WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_commit_with_its_version(path):
    lines = path.read_text("utf-8").splitlines()
    uses = [line for line in lines if re.match(r"^\s*(-\s+)?uses:", line)]
    assert uses
    for line in uses:
        ref = line.split("uses:", 1)[1].split("#", 1)[0].strip()
        assert PINNED.match(ref), line
        assert VERSION_COMMENT.search(line), f"no version comment: {line}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_permissions_are_granted_per_job_and_least(path):
    doc = load(path)
    assert doc["permissions"] == {}
    for name, job in doc["jobs"].items():
        granted = job["permissions"]
        assert set(granted.values()) <= {"read", "write"}, name
        if "id-token" in granted:
            assert granted == {"id-token": "write"}, name
            assert "refs/tags/v" in job["if"], f"{name} may publish without a tag"
            assert job["environment"]["name"] == "pypi"
        else:
            assert "write" not in granted.values(), name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_checkouts_keep_no_credentials(path):
    checkouts = [s for _, s in steps(path) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_every_target_has_a_real_runner_job():
    wanted = list(targets.load(TARGETS_FILE))
    work = jobs(WORKFLOWS / "matrix.yml")
    covered = [
        t
        for entry in work["runner"]["strategy"]["matrix"]["include"]
        for t in entry["targets"].split()
    ]
    alpine = " ".join(s.get("run", "") for s in work["alpine"]["steps"])
    covered += re.findall(r"-t (\S+)", alpine)
    assert sorted(covered) == sorted(wanted)


def test_runner_jobs_run_the_local_command_and_the_report_merges_them():
    work = jobs(WORKFLOWS / "matrix.yml")
    for name in ("runner", "alpine"):
        runs = " ".join(s.get("run", "") for s in work[name]["steps"])
        assert "nox -s matrix -- " in runs, name
        assert "--origin " in runs and "--allow-deviations" in runs, name
    report = work["report"]
    assert report["needs"] == ["runner", "alpine"]
    runs = " ".join(s.get("run", "") for s in report["steps"])
    assert "nox -s report -- " in runs
    assert "--merge results/*/matrix.json" in runs and "--baseline" in runs
    assert '>> "$GITHUB_STEP_SUMMARY"' in runs


def test_pip_and_zig_are_cached_where_nothing_is_published():
    work = jobs(WORKFLOWS / "matrix.yml")
    for name in ("runner", "alpine"):
        caches = [s for s in work[name]["steps"] if s.get("uses", "").startswith("actions/cache@")]
        assert any("zig-cache" in s["with"]["path"] for s in caches), name
    setup = [s for _, s in steps(WORKFLOWS / "matrix.yml") if "setup-python" in s.get("uses", "")]
    assert all(s["with"]["cache"] == "pip" for s in setup)
    wheels = jobs(WORKFLOWS / "wheels.yml")
    for name in ("cibuildwheel", "sdist"):
        for step in wheels[name]["steps"]:
            assert "cache" not in step.get("with", {}), f"{name} is published and uses a cache"
            assert not step.get("uses", "").startswith("actions/cache@"), name


def test_wheels_are_built_by_cibuildwheel_zig_and_published_only_from_a_tag():
    wheels = jobs(WORKFLOWS / "wheels.yml")
    runs = {name: " ".join(s.get("run", "") for s in job["steps"]) for name, job in wheels.items()}
    assert "python -m cibuildwheel" in runs["cibuildwheel"]
    assert "nox -s wheels" in runs["zig"]
    assert "build --sdist" in runs["sdist"]
    publish = wheels["publish"]
    assert publish["needs"] == ["cibuildwheel", "zig", "sdist"]
    assert publish["if"] == (
        "${{ github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v') }}"
    )
    uses = [s["uses"] for s in publish["steps"]]
    assert any(u.startswith("pypa/gh-action-pypi-publish@") for u in uses)
    assert not any("password" in s.get("with", {}) for s in publish["steps"])
