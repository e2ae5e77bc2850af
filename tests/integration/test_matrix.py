"""The matrix end to end on real builds and real runs: the documented values come out."""

from __future__ import annotations

import json

import pytest

from matrix import report

from ..conftest import have

LINUX = ["linux-x86_64-gnu", "linux-aarch64-gnu", "linux-x86_64-musl", "linux-aarch64-musl"]
MACOS = ["macos-x86_64", "macos-arm64"]
WINDOWS = ["windows-x86_64", "windows-arm64"]
ALL = LINUX + MACOS + WINDOWS

needs_qemu = pytest.mark.skipif(not have("qemu-aarch64"), reason="qemu-user not installed")
needs_wine = pytest.mark.skipif(not (have("wine64") or have("wine")), reason="wine64 not installed")


def test_every_core_builds(built):
    cores, _ = built
    assert sorted(cores) == sorted(ALL)
    failed = {t: c.error for t, c in cores.items() if not c.ok}
    assert failed == {}
    for core in cores.values():
        assert core.executable.stat().st_size > 0
        assert core.library.stat().st_size > 0


@pytest.mark.parametrize(
    ("signal", "linux", "macos"),
    [
        ("sigbus", 7, 10),
        ("sigusr1", 10, 30),
        ("sigusr2", 12, 31),
        ("sigchld", 17, 20),
        ("sigstop", 19, 17),
    ],
)
def test_signal_numbers_at_build_time(cell, signal, linux, macos):
    probe = f"signals.{signal}_number"
    for t in LINUX:
        assert cell(probe, t)["value"] == linux, t
    for t in MACOS:
        assert cell(probe, t)["value"] == macos, t
    for t in WINDOWS:
        assert cell(probe, t)["value"] == "undefined", t


@pytest.mark.parametrize(
    ("signal", "number"),
    [("sigint", 2), ("sigterm", 15), ("sigbreak", 21), ("sigabrt", 22)],
)
def test_windows_signal_numbers(cell, signal, number):
    for t in WINDOWS:
        assert cell(f"signals.{signal}_number", t)["value"] == number


def test_getrandom_follows_the_libc_floor(cell):
    for t in ("linux-x86_64-gnu", "linux-aarch64-gnu"):
        assert cell("syscalls.getrandom", t)["value"] == "unavailable"
    for t in ("linux-x86_64-musl", "linux-aarch64-musl"):
        assert cell("syscalls.getrandom", t)["value"] == "available"
    for t in MACOS + WINDOWS:
        assert cell("syscalls.getrandom", t)["value"] == "unavailable"


def test_pipe2_is_unavailable_at_the_macos_floor(cell):
    for t in LINUX:
        assert cell("syscalls.pipe2", t)["value"] == "available"
    for t in MACOS:
        c = cell("syscalls.pipe2", t)
        assert c["value"] == "unavailable"
        assert "macOS 27.0" in c["detail"]
    for t in WINDOWS:
        assert cell("syscalls.pipe2", t)["value"] == "unavailable"


def test_sizeof_long(cell):
    for t in WINDOWS:
        assert cell("abi.sizeof_long", t)["value"] == 4
    for t in LINUX + MACOS:
        assert cell("abi.sizeof_long", t)["value"] == 8


def test_host_runs_natively(cell, host):
    if (host.os, host.arch) != ("linux", "x86_64"):
        pytest.skip("the host is not x86_64 Linux")
    for t in ("linux-x86_64-gnu", "linux-x86_64-musl"):
        c = cell("signals.sigusr1_raise", t)
        assert (c["value"], c["how"]["runner"]) == (10, "native")
        assert cell("tz.utc", t)["value"] == 0
        assert cell("dns.numeric_ipv4", t)["value"] == "127.0.0.1"


@needs_qemu
def test_aarch64_linux_runs_under_qemu(cell):
    for t in ("linux-aarch64-gnu", "linux-aarch64-musl"):
        c = cell("signals.sigusr1_raise", t)
        assert c["value"] == 10
        assert c["how"]["runner"] == "qemu"
        assert c["how"]["version"].startswith("qemu-aarch64")
        assert cell("dns.localhost", t)["value"] == "loopback"
        assert cell("abi.sizeof_long_runtime", t)["value"] == 8


@needs_wine
def test_windows_x86_64_runs_under_wine(cell):
    t = "windows-x86_64"
    c = cell("signals.sigusr1_raise", t)
    assert (c["value"], c["how"]["runner"]) == ("absent", "wine")
    assert cell("signals.sigbreak_raise", t)["value"] == 21
    assert cell("abi.sizeof_long_runtime", t)["value"] == 4
    assert cell("fs.rename_replaces", t)["value"] == "refused"
    assert cell("syscalls.random_source", t)["value"] == "BCryptGenRandom"


def test_targets_without_a_runner_keep_build_cells(model, cell):
    for t in ("macos-x86_64", "macos-arm64", "windows-arm64"):
        assert cell("signals.sigusr1_raise", t)["status"] == "not run"
        assert cell("signals.sigusr1_number", t)["status"] == "agrees"
    reasons = {t["id"]: t["not_run_reason"] for t in model["targets"]}
    assert "needs a macos-aarch64 host" in reasons["macos-arm64"]


def test_five_targets_execute_here(model):
    if not (have("qemu-aarch64") and (have("wine64") or have("wine"))):
        pytest.skip("needs qemu-user and wine64")
    ran = [t["id"] for t in model["targets"] if t["ran_with"]]
    assert len(ran) >= 5, ran
    assert {"linux-aarch64-gnu", "linux-aarch64-musl", "windows-x86_64"} <= set(ran)


def test_native_and_python_agree_on_the_host(model):
    pairs = model["agreements"]
    assert len(pairs) >= 10
    disagree = [a for a in pairs if a["agree"] is False and not a["explanation"]]
    assert disagree == []


def test_no_cell_deviates(model):
    deviating = [
        (c["probe"], c["column"], c["value"], c["expected"])
        for c in model["cells"]
        if c["status"] == "deviates"
    ]
    assert deviating == []


def test_reports_are_written_and_valid(model, run_dirs):
    out = run_dirs["reports"]
    data = json.loads((out / "matrix.json").read_text())
    report.validate(data)
    host_columns = [c for c in data["columns"] if not c["environment"]]
    assert [c["id"] for c in host_columns if c["backend"] == "native"] == ALL
    md = (out / "matrix.md").read_text()
    assert "| signals.sigusr1\\_number (build) |" in md
    html = (out / "matrix.html").read_text()
    assert "<script" not in html
    assert 'href="http' in html  # citations link to their sources
