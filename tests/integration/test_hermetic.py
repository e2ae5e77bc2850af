"""The whole local matrix inside a network namespace with only loopback.

`unshare -n` gives the run a namespace of its own; netns_exec.py brings its
loopback up and checks that nothing else is there.  The matrix must pass
(exit 0) and every run-time cell must equal the same cell of the session's
normal run: no probe needs, or could have reached, anything beyond loopback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT, TARGETS_FILE

HELPER = Path(__file__).with_name("netns_exec.py")


def unshare_works() -> str:
    """'' when this host lets us make a network namespace, else why not."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) not installed"
    proc = subprocess.run(
        ["unshare", "-n", "--", sys.executable, "-c", "pass"], capture_output=True, text=True
    )
    return "" if proc.returncode == 0 else f"unshare -n not permitted: {proc.stderr.strip()}"


def test_matrix_passes_with_only_loopback(model, run_dirs, tmp_path):
    why = unshare_works()
    if why:
        pytest.skip(why)
    cache = tmp_path / "cache"
    # Build-time results and the wine prefix are reused; the run-time
    # results are not, so every probe runs again inside the namespace.
    shutil.copytree(run_dirs["cache"] / "results", cache / "results")
    (cache / "wine-prefix").symlink_to(run_dirs["cache"] / "wine-prefix")
    out = tmp_path / "reports"
    cmd = ["unshare", "-n", "--", sys.executable, str(HELPER), sys.executable, "-m", "matrix"]
    cmd += ["matrix", "--targets-file", str(TARGETS_FILE), "--build-dir", str(run_dirs["build"])]
    cmd += ["--cache-dir", str(cache), "-o", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert "netns_exec: only loopback, and it is up" in proc.stderr
    assert proc.returncode == 0, proc.stderr[-3000:]
    inside = json.loads((out / "matrix.json").read_text())
    # The probes really ran in there: their results were stored afresh.
    stored = {path.parent.parent.name for path in (cache / "runs").rglob("*.json")}
    assert {t["id"] for t in inside["targets"] if t["ran_with"]} <= stored
    assert not list((cache / "runs").rglob("*.tmp"))
    ran = sorted((c["probe"], c["column"], c["status"], repr(c["value"])) for c in run_cells(model))
    ran_inside = sorted(
        (c["probe"], c["column"], c["status"], repr(c["value"])) for c in run_cells(inside)
    )
    assert ran_inside == ran
    assert len([c for c in ran if c[2] == "agrees"]) >= 30


def run_cells(model: dict) -> list[dict]:
    return [c for c in model["cells"] if c["how"]["kind"] == "run" and c["status"] != "not run"]
