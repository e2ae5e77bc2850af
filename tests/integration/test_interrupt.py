"""Interrupted runs: Ctrl-C, SIGTERM or SIGKILL mid-run leave nothing half-written,
and the next run redoes only what is missing (all of it with --fresh).

The run is caught inside a probe that hangs (test.hang, its limit raised to
two minutes), after the probes before it have printed their results; those
were stored the moment they came, so the next run must not run them again.
Which probes a run starts is read from its -vv log ("running [...]").
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from matrix import catalogue

from ..conftest import ROOT, TARGETS_FILE

TARGET = "linux-x86_64-gnu"
PROBES = ["test.ok", "abi.byte_order", "test.hang", "tz.utc"]


@pytest.fixture
def setup(tmp_path, run_dirs, host):
    if (host.os, host.arch) != ("linux", "x86_64"):
        pytest.skip("runs the x86_64 Linux core natively")
    data = tmp_path / "catalogue"
    shutil.copytree(catalogue.DATA_DIR, data)
    # The target without its container environments: a SIGKILL of the
    # harness would leave a container behind that only its docker client knew.
    yaml = YAML()
    config = yaml.load(TARGETS_FILE.read_text())
    for entry in config["targets"].values():
        entry.pop("environments", None)
    targets_file = tmp_path / "targets.yaml"
    with targets_file.open("w") as f:
        yaml.dump(config, f)
    test_yaml = data / "test.yaml"
    test_yaml.write_text(test_yaml.read_text().replace("timeout: 2", "timeout: 120"))
    return {"catalogue": data, "cache": tmp_path / "cache", "out": tmp_path / "reports",
            "build": run_dirs["build"], "targets": targets_file}  # fmt: skip


def command(s: dict, probes: list[str], *extra: str) -> list[str]:
    cmd = [sys.executable, "-m", "matrix", "conformance", "-vv", "--test-probes", "--no-python"]
    cmd += ["--targets-file", str(s["targets"]), "--catalogue", str(s["catalogue"]), "-t", TARGET]
    cmd += ["--build-dir", str(s["build"]), "--cache-dir", str(s["cache"]), "-o", str(s["out"])]
    for probe in probes:
        cmd += ["-p", probe]
    return [*cmd, *extra]


def stored(s: dict) -> int:
    return len(list((s["cache"] / "runs" / TARGET).rglob("*.json")))


def interrupt(s: dict, signum: int) -> subprocess.CompletedProcess:
    """Start a run, wait until two results are stored, then send `signum`."""
    proc = subprocess.Popen(
        command(s, PROBES), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while stored(s) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored(s) == 2, "the run did not get to the hanging probe"
    time.sleep(0.2)  # inside test.hang now
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def started_probes(stderr: str) -> list[str]:
    """Every probe id the run's -vv log shows the host's portprobe being started with.

    Runs in a container environment of the target (a target@environment
    column) are never stored, so they are left out here.
    """
    ids = []
    for line in stderr.splitlines():
        if "matrix.run.execute: running [" in line and "'docker'" not in line:
            ids += [p for p in PROBES if f"'{p}'" in line]
    return ids


def hanging_children(wait: float = 0.0) -> list[int]:
    """Processes still running the hanging probe (the runs' children, in containers too)."""
    deadline = time.monotonic() + wait
    while (found := _hanging()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def _hanging() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a.endswith(b"/portprobe") for a in argv) and b"test.hang" in argv:
            found.append(int(entry.name))
    return found


def no_half_files(*folders: Path) -> None:
    for folder in folders:
        if not folder.exists():
            continue
        assert not list(folder.rglob("*.tmp")), list(folder.rglob("*.tmp"))
        for path in folder.rglob("*.json"):
            json.loads(path.read_text("utf-8"))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_then_resume_then_fresh(setup, signum):
    s = setup
    first = interrupt(s, signum)
    assert first.returncode == 130, first.stderr[-2000:]
    assert "interrupted; every file written is complete" in first.stderr
    assert "Traceback" not in first.stderr
    # Killed with its process group; a container's with its label.
    assert hanging_children(wait=10) == []
    assert not (s["out"] / "matrix.json").exists()
    no_half_files(s["cache"], s["out"])

    probes = [p for p in PROBES if p != "test.hang"]
    again = subprocess.run(
        command(s, probes), cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert started_probes(again.stderr) == ["tz.utc"]  # test.ok and abi.byte_order were kept
    cells = {c["probe"]: c for c in json.loads((s["out"] / "matrix.json").read_text())["cells"]}
    assert cells["test.ok"]["value"] == 42 and cells["abi.byte_order"]["value"] == "little"
    assert cells["tz.utc"]["status"] == "agrees"

    fresh = subprocess.run(
        command(s, probes, "--fresh"), cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert sorted(started_probes(fresh.stderr)) == sorted(probes)


def test_sigkill_loses_only_the_work_in_progress(setup):
    s = setup
    killed = interrupt(s, signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    # The child was in a process group of its own and outlives a SIGKILL of
    # the harness; end it by its pid, as the next run would not.
    for pid in hanging_children():
        os.kill(pid, signal.SIGKILL)
    no_half_files(s["cache"], s["out"])
    probes = [p for p in PROBES if p != "test.hang"]
    again = subprocess.run(
        command(s, probes), cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert started_probes(again.stderr) == ["tz.utc"]
