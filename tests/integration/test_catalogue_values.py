"""The catalogue's documented breaks, as the real matrix run shows them, target by target."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from matrix import compare, run
from matrix.results import Column, How, Observation

from ..conftest import ROOT, have

LINUX = ["linux-x86_64-gnu", "linux-aarch64-gnu", "linux-x86_64-musl", "linux-aarch64-musl"]
GLIBC = ["linux-x86_64-gnu", "linux-aarch64-gnu"]
MUSL = ["linux-x86_64-musl", "linux-aarch64-musl"]
MACOS = ["macos-x86_64", "macos-arm64"]
WINDOWS = ["windows-x86_64", "windows-arm64"]
ALL = LINUX + MACOS + WINDOWS
HOST_PYTHON = "linux-x86_64-gnu+python"
WINE = "windows-x86_64"

needs_qemu = pytest.mark.skipif(not have("qemu-aarch64"), reason="qemu-user not installed")
needs_wine = pytest.mark.skipif(not (have("wine64") or have("wine")), reason="wine64 not installed")


@pytest.fixture(scope="module")
def linux_x86_64_host(host):
    if (host.os, host.arch, host.libc) != ("linux", "x86_64", "glibc"):
        pytest.skip("these run-time values are checked on an x86_64 glibc Linux host")


def values(cell, probe: str, columns: list[str]) -> dict[str, object]:
    return {c: cell(probe, c)["value"] for c in columns}


# Build-time cells exist for all eight targets, whatever this host can run.


def test_every_build_cell_of_every_target_is_decided(model):
    build = [c for c in model["cells"] if c["how"]["kind"] == "build"]
    assert {c["column"] for c in build} == set(ALL)
    assert [c for c in build if c["status"] != "agrees"] == []


def test_long_is_4_bytes_on_windows_and_pointers_8_everywhere(cell):
    assert values(cell, "abi.sizeof_long", ALL) == {t: 4 if t in WINDOWS else 8 for t in ALL}
    assert set(values(cell, "abi.sizeof_pointer", ALL).values()) == {8}


def test_long_double_and_char_follow_each_abi(cell):
    long_double = values(cell, "abi.sizeof_long_double", ALL)
    assert long_double == {t: 8 if t in ("macos-arm64", "windows-arm64") else 16 for t in ALL}
    char_min = values(cell, "abi.char_signed", ALL)
    assert char_min == {
        t: 0 if t in ("linux-aarch64-gnu", "linux-aarch64-musl") else -128 for t in ALL
    }


def test_off_t_and_pid_t_differ_on_windows(cell):
    assert values(cell, "abi.sizeof_off_t", WINDOWS) == {t: 4 for t in WINDOWS}
    assert values(cell, "abi.sizeof_pid_t", WINDOWS) == {t: 8 for t in WINDOWS}
    assert set(values(cell, "abi.sizeof_off_t", LINUX + MACOS).values()) == {8}


def test_getrandom_getentropy_pipe2_accept4_boundaries(cell):
    for probe in ("syscalls.getrandom", "syscalls.getentropy"):
        assert values(cell, probe, GLIBC) == {t: "unavailable" for t in GLIBC}  # glibc 2.17 < 2.25
        assert values(cell, probe, MUSL) == {t: "available" for t in MUSL}
        assert values(cell, probe, WINDOWS) == {t: "unavailable" for t in WINDOWS}
    assert values(cell, "syscalls.getrandom", MACOS) == {t: "unavailable" for t in MACOS}
    assert values(cell, "syscalls.getentropy", MACOS) == {t: "available" for t in MACOS}
    for probe in ("syscalls.pipe2", "syscalls.accept4"):
        assert values(cell, probe, LINUX) == {t: "available" for t in LINUX}
        assert values(cell, probe, MACOS + WINDOWS) == {t: "unavailable" for t in MACOS + WINDOWS}
    assert "not declared" in cell("syscalls.accept4", "macos-arm64")["detail"]
    assert "macOS 27.0" in cell("syscalls.pipe2", "macos-arm64")["detail"]


def test_memfd_create_needs_glibc_2_27(cell):
    assert values(cell, "syscalls.memfd_create", GLIBC) == {t: "unavailable" for t in GLIBC}
    assert values(cell, "syscalls.memfd_create", MUSL) == {t: "available" for t in MUSL}


def test_open_flags_differ_between_linux_architectures(cell):
    assert values(cell, "fs.o_directory", LINUX) == {
        "linux-x86_64-gnu": 0o200000,
        "linux-aarch64-gnu": 0o40000,
        "linux-x86_64-musl": 0o200000,
        "linux-aarch64-musl": 0o40000,
    }
    assert values(cell, "fs.o_directory", WINDOWS) == {t: "undefined" for t in WINDOWS}


def test_errno_numbers_per_os(cell):
    assert values(cell, "process.eagain", ["linux-x86_64-gnu", "macos-arm64", WINE]) == {
        "linux-x86_64-gnu": 11,
        "macos-arm64": 35,
        WINE: 11,
    }
    assert cell("process.ewouldblock", WINE)["value"] == 140
    assert values(cell, "dns.eai_noname", ["linux-x86_64-musl", "macos-x86_64", WINE]) == {
        "linux-x86_64-musl": -2,
        "macos-x86_64": 8,
        WINE: 11001,
    }
    assert values(cell, "dns.ni_maxhost", MUSL) == {t: 255 for t in MUSL}


def test_posix_environment_calls_are_missing_on_windows(cell):
    for probe in ("process.setenv", "process.unsetenv", "process.sys_wait_h", "tz.timegm"):
        assert values(cell, probe, WINDOWS) == {t: "unavailable" for t in WINDOWS}, probe
        assert values(cell, probe, LINUX + MACOS) == {t: "available" for t in LINUX + MACOS}


# Run-time cells: native on this host, qemu for aarch64 Linux, wine for Windows.


@pytest.mark.usefixtures("linux_x86_64_host")
def test_zone_data_on_linux_and_none_for_the_windows_crt(cell):
    assert cell("tz.zone_database", "linux-x86_64-gnu")["value"] == "present"
    assert cell("tz.zone_database", HOST_PYTHON)["value"] == "present"
    assert cell("tz.utc", HOST_PYTHON)["value"] == 0
    assert cell("tz.europe_berlin", "linux-x86_64-musl")["value"] == "resolved"


@needs_wine
def test_windows_crt_has_no_iana_zones_but_utc_and_tzset_work(cell):
    assert cell("tz.zone_database", WINE)["value"] == "absent"
    assert cell("tz.europe_berlin", WINE)["value"] == "unresolved"
    assert cell("tz.utc", WINE)["value"] == 0
    assert cell("tz.posix_tz_string", WINE)["value"] == -10800


@pytest.mark.usefixtures("linux_x86_64_host")
def test_tzset_applies_a_posix_tz_string_on_unix(cell):
    assert cell("tz.posix_tz_string", "linux-x86_64-gnu")["value"] == -10800
    assert cell("tz.posix_tz_string", HOST_PYTHON)["value"] == -10800


@pytest.mark.usefixtures("linux_x86_64_host")
def test_monotonic_clock_resolution(cell):
    assert cell("tz.monotonic_resolution", "linux-x86_64-gnu")["value"] == 1
    python = cell("tz.monotonic_resolution", HOST_PYTHON)
    assert python["value"] == 1
    assert python["detail"].startswith("clock_gettime(CLOCK_MONOTONIC)")


@needs_wine
def test_monotonic_clock_under_wine_is_query_performance_counter(cell):
    c = cell("tz.monotonic_resolution", WINE)
    assert 0 < c["value"] <= 1000
    assert c["status"] == "agrees"


@pytest.mark.usefixtures("linux_x86_64_host")
def test_tempdir_is_its_own_realpath_on_linux(cell):
    for column in ("linux-x86_64-gnu", "linux-x86_64-musl", HOST_PYTHON):
        assert cell("fs.tempdir_realpath", column)["value"] == "equal", column


@needs_wine
def test_rename_onto_an_existing_file_fails_only_on_windows(cell):
    assert cell("fs.rename_replaces", WINE)["value"] == "refused"
    assert cell("fs.replace_existing", WINE)["value"] == "replaced"


@pytest.mark.usefixtures("linux_x86_64_host")
def test_rename_and_replace_both_replace_on_linux(cell):
    for column in ("linux-x86_64-gnu", "linux-x86_64-musl", HOST_PYTHON):
        assert cell("fs.rename_replaces", column)["value"] == "replaced"
        assert cell("fs.replace_existing", column)["value"] == "replaced"


@needs_wine
def test_windows_device_names_exit_codes_and_environment(cell):
    assert cell("fs.reserved_name", WINE)["value"] == "device"
    assert cell("process.exit_status_256", WINE)["value"] == 256
    assert cell("process.env_case", WINE)["value"] == "case-insensitive"
    assert cell("process.setenv_empty", WINE)["value"] == "removed"
    assert cell("process.connect_refused_errno", WINE)["value"] == 10061
    assert cell("abi.allocation_granularity", WINE)["value"] == 65536
    assert cell("abi.page_size", WINE)["value"] == 4096
    assert cell("fs.symlink_create", WINE)["value"] in ("created", "error 1314")


@pytest.mark.usefixtures("linux_x86_64_host")
def test_posix_process_behaviour_on_the_host(cell):
    for column in ("linux-x86_64-gnu", "linux-x86_64-musl", HOST_PYTHON):
        assert cell("fs.reserved_name", column)["value"] == "file"
        assert cell("fs.symlink_create", column)["value"] == "created"
        assert cell("process.exit_status_256", column)["value"] == 0
        assert cell("process.env_case", column)["value"] == "case-sensitive"
        assert cell("process.setenv_empty", column)["value"] == "empty"
        assert cell("process.connect_refused_errno", column)["value"] == 111
        assert cell("abi.allocation_granularity", column)["value"] == 4096


@needs_qemu
def test_aarch64_linux_under_qemu_keeps_posix_values(cell):
    for t in ("linux-aarch64-gnu", "linux-aarch64-musl"):
        assert cell("process.exit_status_256", t)["value"] == 0
        assert cell("process.connect_refused_errno", t)["value"] == 111
        assert cell("dns.numeric_rejects_name", t)["value"] == "EAI_NONAME"
        assert cell("process.exit_status_256", t)["how"]["runner"] == "qemu"


def test_every_run_probe_agrees_between_native_and_python_on_the_host(model):
    pairs = [
        a for a in model["agreements"] if a["target"] == "linux-x86_64-gnu" and not a["environment"]
    ]
    if not pairs:
        pytest.skip("the pure-Python fallbacks run only on the host's own target")
    run_probes = {p["id"] for p in model["probes"] if p["kind"] == "run"}
    assert {a["probe"] for a in pairs} == run_probes
    assert [a["probe"] for a in pairs if a["agree"] is not True] == []


# The hosts file without nsswitch.conf, in a private mount and network namespace.

HOSTS_LINE = "127.0.0.7 portmatrix-hosts.test"
HELPER = Path(__file__).with_name("hosts_only.py")


@pytest.fixture(scope="module")
def namespaces():
    if not have("unshare") or os.geteuid() != 0:
        pytest.skip("needs unshare(1) and root for a private mount and network namespace")
    probe = subprocess.run(
        ["unshare", "--mount", "--net", "--fork", "--", "true"], capture_output=True, timeout=30
    )
    if probe.returncode != 0:
        pytest.skip(f"unshare refused: {probe.stderr.decode(errors='replace').strip()}")


def _hosts_only(commands: list[list[str]]) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [
            "unshare",
            "--mount",
            "--net",
            "--fork",
            "--",
            sys.executable,
            str(HELPER),
            HOSTS_LINE,
            *(json.dumps(c) for c in commands),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


HOSTS_PROBES = ["dns.hosts_file", "dns.localhost"]


def _judge_hosts_only(matrix_plan, built, host) -> dict[tuple[str, str], object]:
    """Run HOSTS_PROBES natively and in Python in the hosts-only namespaces; judge each cell."""
    cores, _ = built
    runners = run.registry(matrix_plan.options.cache_dir)
    plans = []
    for t in (t for t in matrix_plan.targets if t.os == "linux"):
        runner, _, _ = run.choose(t, host, runners)
        if runner is not None and cores[t.identifier].ok:
            cmd = runner.command(t, cores[t.identifier].executable)
            plans.append((t, runner.name, "native", [*cmd, *HOSTS_PROBES]))
    python = [sys.executable, "-m", "matrix.core", "--backend", "python", *HOSTS_PROBES]
    plans.append((matrix_plan.all_targets["linux-x86_64-gnu"], "python", "python", python))
    results = _hosts_only([cmd for *_, cmd in plans])
    assert len(results) == len(plans)
    judged = {}
    for (t, runner_name, backend, _), out in zip(plans, results, strict=True):
        column = Column(t.identifier, backend, "hosts-only")
        how = How("run", runner_name, backend=backend, environment="hosts-only")
        for text in out["stdout"].splitlines():
            line = json.loads(text)
            obs = Observation(
                line["probe"], column, how, value=line["value"], detail=line.get("detail", "")
            )
            cell = compare.judge(matrix_plan.catalogue, t, obs, sys.version_info[:2])
            judged[(line["probe"], column.id)] = cell
    return judged


@pytest.fixture(scope="module")
def hosts_only_cells(namespaces, matrix_plan, built, host):
    return _judge_hosts_only(matrix_plan, built, host)


def test_hosts_file_answers_without_nsswitch_conf(hosts_only_cells):
    cells = {k: c for k, c in hosts_only_cells.items() if k[0] == "dns.hosts_file"}
    assert ("dns.hosts_file", "linux-x86_64-musl@hosts-only") in cells
    assert ("dns.hosts_file", "linux-x86_64-gnu@hosts-only+python") in cells
    assert {k: (c.observation.value, c.status.value) for k, c in cells.items()} == {
        k: ("127.0.0.7", "agrees") for k in cells
    }


def test_localhost_without_a_hosts_entry_deviates_from_rfc_6761(hosts_only_cells):
    # RFC 6761 asks resolvers to answer localhost themselves; glibc and musl
    # leave it to the hosts file, so with no entry and no network it fails.
    # The catalogue keeps the RFC's value and the cell shows the deviation.
    cells = {k: c for k, c in hosts_only_cells.items() if k[0] == "dns.localhost"}
    assert len(cells) >= 3
    assert {k: (c.observation.value, c.status.value) for k, c in cells.items()} == {
        k: ("error", "deviates") for k in cells
    }
