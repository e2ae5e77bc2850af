"""Real broken set-ups through the real command line: one clear line, 'not run' cells, exit 0.

Each case runs `python -m matrix matrix` in a child process with something
really missing or broken: no qemu on PATH, a ziglang package of the wrong
version, a wine prefix that is a file, a Windows binary wine cannot start.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT, TARGETS_FILE, have


def matrix(tmp_path: Path, *args: str, env: dict[str, str] | None = None, build: Path):
    out = tmp_path / "reports"
    cmd = [sys.executable, "-m", "matrix", "matrix", "--targets-file", str(TARGETS_FILE)]
    cmd += ["-o", str(out), "--build-dir", str(build), "--no-python", *args]
    if "--cache-dir" not in args:
        cmd += ["--cache-dir", str(tmp_path / "cache")]
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    model = json.loads((out / "matrix.json").read_text()) if (out / "matrix.json").exists() else {}
    return proc, model


def run_cells(model: dict) -> list[dict]:
    return [c for c in model["cells"] if c["how"]["kind"] == "run"]


@pytest.mark.skipif(not have("qemu-aarch64"), reason="qemu-user not installed")
def test_no_qemu_on_path(tmp_path, run_dirs):
    empty = tmp_path / "bin"
    empty.mkdir()
    proc, model = matrix(
        tmp_path,
        "-t",
        "linux-aarch64-musl",
        "-p",
        "abi",
        env={"PATH": str(empty)},
        build=run_dirs["build"],
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        "warning: qemu: qemu-aarch64 not found; install it with: apt-get install qemu-user; "
        "without it linux-aarch64-musl gets build-time cells only"
    ) in proc.stderr
    assert {c["status"] for c in run_cells(model)} == {"not run"}
    assert {c["status"] for c in model["cells"] if c["how"]["kind"] == "build"} == {"agrees"}


def test_zig_of_the_wrong_version(tmp_path, run_dirs):
    package = tmp_path / "site" / "ziglang"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    zig = package / "zig"
    zig.write_text(f"#!{sys.executable}\nprint('0.16.0')\n")
    zig.chmod(0o755)
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(ROOT)])}
    proc, model = matrix(
        tmp_path, "-t", "linux-x86_64-gnu", "-p", "abi", env=env, build=tmp_path / "build"
    )
    assert proc.returncode == 0, proc.stderr
    assert "warning: zig 0.16.0 found, portmatrix needs 0.17.0; install it with: " in proc.stderr
    assert "pip install ziglang==0.17.0" in proc.stderr
    assert {c["status"] for c in model["cells"]} == {"not run"}
    assert model["tool"]["zig"] == "missing"


@pytest.mark.skipif(not (have("wine64") or have("wine")), reason="wine64 not installed")
def test_wine_prefix_that_is_a_file(tmp_path, run_dirs):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "wine-prefix").write_text("a file where the prefix should be")
    proc, model = matrix(
        tmp_path,
        "-t",
        "windows-x86_64",
        "-p",
        "abi.byte_order",
        "--cache-dir",
        str(cache),
        build=run_dirs["build"],
    )
    assert proc.returncode == 0, proc.stderr
    assert f"warning: wine: wine prefix {(cache / 'wine-prefix').resolve()} cannot be used" in (
        proc.stderr
    )
    assert "remove it" in proc.stderr
    cells = run_cells(model)
    assert [c["status"] for c in cells] == ["not run"]


@pytest.mark.skipif(not (have("wine64") or have("wine")), reason="wine64 not installed")
def test_a_windows_binary_wine_cannot_start(tmp_path, run_dirs, built):
    cores, _ = built
    build = tmp_path / "build"
    shutil.copytree(cores["windows-x86_64"].executable.parent, build / "windows-x86_64")
    (build / "windows-x86_64" / "portprobe.exe").write_bytes(b"MZ but not a program")
    proc, model = matrix(
        tmp_path,
        "-t",
        "windows-x86_64",
        "-p",
        "abi.byte_order",
        "-p",
        "tz.utc",
        "--cache-dir",
        str(run_dirs["cache"]),
        build=build,
    )
    assert proc.returncode == 0, proc.stderr
    assert "warning: windows-x86_64: wine could not start the program: exit status" in proc.stderr
    cells = run_cells(model)
    assert len(cells) == 2 and {c["status"] for c in cells} == {"not run"}
