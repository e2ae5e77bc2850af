"""Probe faults on real builds: the test-only probes crash, hang and flood for real.

The core is built with the test-only probes (native/src/testprobes.c) for
the host, for aarch64 Linux (run under qemu-user) and for x86_64 Windows
(run under wine), and run through the whole pipeline with --test-probes.
Every fault must cost only its own cell and name its cause; the control
probe and the real probes of the same target keep their values.
"""

from __future__ import annotations

from typing import Any

import pytest

from matrix import pipeline
from matrix.build import native_probe_names
from matrix.progress import Reporter

from ..conftest import TARGETS_FILE, have

TARGETS = ("linux-x86_64-gnu", "linux-aarch64-musl", "windows-x86_64")
REAL = ("abi.byte_order", "tz.utc")


@pytest.fixture(scope="module")
def faults(zig, run_dirs, host) -> dict[tuple[str, str], dict[str, Any]]:
    if (host.os, host.arch) != ("linux", "x86_64"):
        pytest.skip("the fault matrix runs on an x86_64 Linux host")
    options = pipeline.Options(
        targets_file=TARGETS_FILE,
        targets=TARGETS,
        probes=("test", *REAL),
        test_probes=True,
        jobs=len(TARGETS),  # the runs mostly wait; all three at once
        build_dir=run_dirs["build"],
        cache_dir=run_dirs["cache"],
        out=run_dirs["reports"] / "faults",
    )
    p = pipeline.plan(options)
    model = pipeline.judge(p, pipeline.execute(p, Reporter(quiet=True)))
    return {(c["probe"], c["column"]): c for c in model["cells"]}


def runs(target: str) -> None:
    if target == "linux-aarch64-musl" and not have("qemu-aarch64"):
        pytest.skip("qemu-user not installed")
    if target == "windows-x86_64" and not (have("wine64") or have("wine")):
        pytest.skip("wine64 not installed")


@pytest.mark.parametrize("target", TARGETS)
def test_neighbours_of_faults_keep_their_values(faults, target):
    runs(target)
    ok = faults[("test.ok", target)]
    assert (ok["status"], ok["value"]) == ("undocumented", 42)
    assert faults[("abi.byte_order", target)]["value"] == "little"
    assert faults[("tz.utc", target)]["status"] == "agrees"


@pytest.mark.parametrize(
    ("target", "segv", "abort"),
    [
        ("linux-x86_64-gnu", "killed by SIGSEGV", "killed by SIGABRT"),
        ("linux-aarch64-musl", "killed by SIGSEGV: qemu: uncaught target signal 11", "SIGABRT"),
        # wine passes on the low byte of the exception code 0xC0000005 and
        # says what happened on stderr; abort() on Windows exits with 3.
        ("windows-x86_64", "exit status 5: wine: Unhandled page fault", "exit status 3"),
    ],
)
def test_crashes_name_the_signal_or_exit_status(faults, target, segv, abort):
    runs(target)
    for probe, text in (("test.segv", segv), ("test.abort", abort), ("test.exit", "status 3")):
        cell = faults[(probe, target)]
        assert cell["status"] == "crashed", (probe, cell)
        assert text in cell["detail"], (probe, cell["detail"])
        assert cell["value"] is None


@pytest.mark.parametrize("target", TARGETS)
def test_a_hang_times_out_at_the_catalogue_limit(faults, target):
    runs(target)
    cell = faults[("test.hang", target)]
    assert (cell["status"], cell["detail"]) == ("timed out", "no result within 2 s")


@pytest.mark.parametrize("target", TARGETS)
def test_garbage_and_noise_are_bad_output(faults, target):
    runs(target)
    garbage = faults[("test.garbage", target)]
    assert garbage["status"] == "bad output"
    assert "more than 1048576 bytes of output" in garbage["detail"]
    noise = faults[("test.noise", target)]
    assert noise["status"] == "bad output"
    assert "this is not a result line" in noise["detail"]


def test_the_shipped_core_has_no_test_probes(built):
    cores, _ = built
    shipped = native_probe_names()
    assert not [n for n in shipped if n.startswith("test.")]
    assert "test.segv" in native_probe_names(test_probes=True)
    # The binary itself: no test probe name is compiled into the shipped build.
    for core in cores.values():
        assert b"test.segv" not in core.executable.read_bytes(), core.target


def test_faults_in_container_environments_name_the_signal(faults):
    """The same faults in the targets' container environments, where the engine's init is PID 1."""
    columns = sorted({col for (probe, col) in faults if "@" in col and probe == "test.ok"})
    ran = [col for col in columns if faults[("test.ok", col)]["value"] == 42]
    if not ran:
        pytest.skip("no container environment ran here (no docker engine)")
    for col in ran:
        assert "signal SIGSEGV" in faults[("test.segv", col)]["detail"], col
        assert "signal SIGABRT" in faults[("test.abort", col)]["detail"], col
        assert faults[("test.exit", col)]["detail"].startswith("exit status 3"), col
        assert faults[("test.hang", col)]["status"] == "timed out", col
        assert faults[("test.garbage", col)]["status"] == "bad output", col
