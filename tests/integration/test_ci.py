"""CI on real runners, reproduced here: the per-runner command, merging its results files with
this host's, and drift between two real runs."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from matrix import catalogue, cli, report

from ..conftest import TARGETS_FILE, have

ARM = "linux-aarch64-gnu"
HARDWARE = "github:ubuntu-24.04-arm"
needs_qemu = pytest.mark.skipif(not have("qemu-aarch64"), reason="qemu-user not installed")


def cells_by_key(model: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["probe"], c["column"]): c for c in model["cells"]}


def real_runner_file(model: dict[str, Any], path: Path) -> Path:
    """What the ubuntu-24.04-arm job would upload: this run's aarch64 cells, observed natively,
    on a kernel with 64 KB pages, where qemu-user reports the host's 4 KB."""
    data = copy.deepcopy(model)
    data["origins"] = [
        report.origin(
            HARDWARE, host="linux-aarch64-glibc", zig="0.17.0", generated=data["generated"]
        )
    ]
    data["targets"] = [
        t | {"ran_with": "native", "runner_version": "Linux 6.8.0-1017-azure", "origin": HARDWARE}
        for t in data["targets"]
        if t["id"] == ARM
    ]
    data["columns"] = [c for c in data["columns"] if c["target"] == ARM]
    data["cells"] = [c for c in data["cells"] if c["column"] == ARM]
    for c in data["cells"]:
        c["origin"] = HARDWARE
        if c["how"]["runner"] == "qemu":
            c["how"] |= {"runner": "native", "version": "Linux 6.8.0-1017-azure"}
        if c["probe"] == "abi.page_size":
            c["value"], c["detail"] = 65536, "sysconf(_SC_PAGESIZE) = 65536"
    report.validate(data)
    path.write_text(json.dumps(data))
    return path


@needs_qemu
def test_merge_keeps_both_origins_flags_the_emulator_and_names_rejected_files(
    model, run_dirs, tmp_path, capsys
):
    local = run_dirs["reports"] / "matrix.json"
    hardware = real_runner_file(model, tmp_path / "arm.json")
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text(local.read_text("utf-8")[:5000], "utf-8")
    unknown = tmp_path / "riscv.json"
    other = json.loads(local.read_text("utf-8"))
    other["targets"][0]["id"] = "linux-riscv64-gnu"
    unknown.write_text(json.dumps(other))
    out = tmp_path / "merged"

    code = cli.main(
        ["report", "--merge", str(local), str(hardware), str(corrupt), str(unknown)]
        + ["-o", str(out), "--targets-file", str(TARGETS_FILE), "--allow-deviations"]
    )

    assert code == cli.EXIT_REJECTED
    merged = json.loads((out / "matrix.json").read_text("utf-8"))
    report.validate(merged)
    here = model["origins"][0]["id"]
    assert [o["id"] for o in merged["origins"]] == [here, HARDWARE]
    cells = cells_by_key(merged)
    assert cells.keys() == cells_by_key(model).keys()  # the rest of this host's matrix is kept
    page = cells[("abi.page_size", ARM)]
    assert (page["origin"], page["value"], page["how"]["runner"]) == (HARDWARE, 65536, "native")
    assert [(o["origin"], o["how"]["runner"], o["value"]) for o in page["others"]] == [
        (here, "qemu", 4096)
    ]
    assert [(d["probe"], d["column"], d["other"]["runner"]) for d in merged["disagreements"]] == [
        ("abi.page_size", ARM, "qemu")
    ]
    raised = cells[("signals.sigusr1_raise", ARM)]
    assert raised["origin"] == HARDWARE and raised["others"][0]["value"] == raised["value"]
    assert cells[("tz.utc", "linux-x86_64-gnu")]["origin"] == here
    target = {t["id"]: t for t in merged["targets"]}[ARM]
    assert (target["ran_with"], target["origin"]) == ("native", HARDWARE)
    assert target["also_ran"][0]["runner"] == "qemu"
    rejected = {r["file"]: r["reason"] for r in merged["rejected"]}
    assert rejected.keys() == {str(corrupt), str(unknown)}
    assert rejected[str(corrupt)].startswith("not JSON")
    assert "'linux-riscv64-gnu', which targets.yaml does not know" in rejected[str(unknown)]

    told = capsys.readouterr().err.splitlines()
    assert f"warning: left out {corrupt}: {rejected[str(corrupt)]}" in told
    assert (
        f"  disagree: abi.page_size on linux-aarch64-gnu: native on {HARDWARE} gave 65536, "
        f"qemu on {here} gave 4096"
    ) in told
    md = (out / "matrix.md").read_text("utf-8")
    assert "## Results files left out" in md and "riscv.json" in md and "corrupt.json" in md
    assert "| abi.page\\_size (run) |" in md and "✅ 65536≠" in md
    assert f"also qemu on {here.replace('_', chr(92) + '_')}" in md
    html = (out / "matrix.html").read_text("utf-8")
    assert 'id="disagreements"' in html and "disputed" in html and "<script" not in html


@pytest.fixture
def one_changed_expectation(tmp_path) -> tuple[Path, str]:
    """A copy of the catalogue in which Linux documents SIGUSR1 as 16 instead of 10."""
    folder = tmp_path / "catalogue"
    shutil.copytree(catalogue.DATA_DIR, folder)
    path = folder / "signals.yaml"
    text = path.read_text("utf-8")
    start = text.index("- id: signals.sigusr1_number")
    end = text.index("- id:", start + 1)
    block = text[start:end]
    assert block.count("value: 10") == 1
    path.write_text(text[:start] + block.replace("value: 10", "value: 16") + text[end:], "utf-8")
    return folder, "signals.sigusr1_number"


def per_runner(run_dirs, out: Path, origin: str, *extra: str) -> list[str]:
    """The command a runner job of .github/workflows/matrix.yml runs, for this host's target."""
    return [
        "matrix",
        "-t",
        "linux-x86_64-gnu",
        "--origin",
        origin,
        "-o",
        str(out),
        "--allow-deviations",
        "-q",
        "--targets-file",
        str(TARGETS_FILE),
        "--build-dir",
        str(run_dirs["build"]),
        "--cache-dir",
        str(run_dirs["cache"]),
        *extra,
    ]


def test_the_per_runner_command_and_drift_between_two_real_runs(
    zig, host, run_dirs, tmp_path, one_changed_expectation, capsys
):
    if (host.os, host.arch, host.libc) != ("linux", "x86_64", "glibc"):
        pytest.skip("the host is not x86_64 Linux with glibc")
    folder, probe = one_changed_expectation
    before, after = tmp_path / "before", tmp_path / "after"

    assert cli.main(per_runner(run_dirs, before, "github:ubuntu-24.04")) == 0
    old = json.loads((before / "matrix.json").read_text("utf-8"))
    report.validate(old)
    assert [o["label"] for o in old["origins"]] == ["github:ubuntu-24.04"]
    on_host = {c["id"] for c in old["columns"] if not c["environment"]}
    assert on_host == {"linux-x86_64-gnu", "linux-x86_64-gnu+python"}
    assert old["targets"][0]["ran_with"] == "native"

    args = per_runner(run_dirs, after, "local", "--catalogue", str(folder))
    assert cli.main(args) == 0
    capsys.readouterr()
    code = cli.main(
        [
            "report",
            "-o",
            str(after),
            "--baseline",
            str(before / "matrix.json"),
            "--allow-deviations",
        ]
    )

    assert code == 0
    new = json.loads((after / "matrix.json").read_text("utf-8"))
    drift = new["drift"]
    assert [(c["probe"], c["column"], c["fields"]) for c in drift["changed"]] == [
        (probe, "linux-x86_64-gnu", ["status"])
    ]
    (change,) = drift["changed"]
    assert (change["before"]["status"], change["after"]["status"]) == ("agrees", "deviates")
    assert (change["before"]["expected"], change["after"]["expected"]) == ("10", "16")
    assert (drift["added"], drift["removed"]) == ([], [])
    told = capsys.readouterr().err.splitlines()
    assert f"against {before / 'matrix.json'}: 1 cells changed, 0 added, 0 removed" in told
    assert (
        f"  changed: {probe} on linux-x86_64-gnu: status agrees → deviates, documented 10 → 16"
    ) in told
    md = (after / "matrix.md").read_text("utf-8")
    assert "| signals.sigusr1\\_number | linux-x86\\_64-gnu | ✅ 10 | ❌ 10 |" in md
