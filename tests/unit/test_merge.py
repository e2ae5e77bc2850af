"""Merging results files: provenance kept, real hardware preferred, bad files named and left out."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from matrix import catalogue, compare, merge, report, targets
from matrix.results import Column, How, Observation, Outcome

from ..conftest import TARGETS_FILE

CATALOGUE = catalogue.load(catalogue.DATA_DIR)
TARGETS = targets.load(TARGETS_FILE)
HERE = "linux-x86_64-glibc"
ARM = "linux-aarch64-glibc"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def seen(probe: str, target: str, runner: str, value: Any, outcome=Outcome.OK) -> Observation:
    kind = "build" if CATALOGUE.probes[probe].build else "run"
    backend = "python" if runner == "python" else "native"
    return Observation(
        probe, Column(target, backend), How(kind, runner, f"{runner} 1", backend), outcome, value
    )


def results(
    tmp_path: Path,
    name: str,
    observations: list[Observation],
    *,
    host: str = HERE,
    label: str = "",
    runs: dict[str, dict[str, str]] | None = None,
    minutes: int = 0,
) -> Path:
    """A results file as a run on `host` writes it."""
    cells = compare.judge_all(CATALOGUE, TARGETS, observations, python=(3, 11))
    ran = {o.column.target for o in observations}
    model = report.assemble(
        catalogue=CATALOGUE,
        targets=[t for ident, t in TARGETS.items() if ident in ran],
        cells=cells,
        runs=runs or {},
        host=host,
        zig="0.17.0",
        generated=T0 + dt.timedelta(minutes=minutes),
        label=label,
    )
    report.validate(model)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(model))
    return path


def merged(*paths: Path) -> dict[str, Any]:
    return merge.merge(list(paths), targets=TARGETS, catalogue=CATALOGUE, host=HERE, generated=T0)


def cell_of(model: dict[str, Any], probe: str, column: str) -> dict[str, Any]:
    (found,) = [c for c in model["cells"] if (c["probe"], c["column"]) == (probe, column)]
    return found


SIZE = "abi.sizeof_long_runtime"
ARM_GNU = "linux-aarch64-gnu"


@pytest.fixture
def emulated(tmp_path) -> Path:
    """This host ran aarch64 under qemu and got the documented 8."""
    return results(
        tmp_path,
        "local",
        [seen(SIZE, ARM_GNU, "qemu", 8), seen("abi.page_size", ARM_GNU, "qemu", 4096)],
        runs={ARM_GNU: {"runner": "qemu", "version": "qemu-aarch64 8.2"}},
    )


@pytest.fixture
def hardware(tmp_path) -> Path:
    """A real arm64 runner that disagrees on one cell and agrees on the other."""
    return results(
        tmp_path,
        "arm",
        [seen(SIZE, ARM_GNU, "native", 4), seen("abi.page_size", ARM_GNU, "native", 4096)],
        host=ARM,
        label="github:ubuntu-24.04-arm",
        runs={ARM_GNU: {"runner": "native", "version": "Linux 6.8"}},
    )


@pytest.mark.parametrize("order", ["emulator first", "hardware first"])
def test_real_hardware_is_shown_and_the_emulator_kept(emulated, hardware, order):
    files = [emulated, hardware] if order == "emulator first" else [hardware, emulated]
    model = merged(*files)
    cell = cell_of(model, SIZE, ARM_GNU)
    assert (cell["value"], cell["status"], cell["origin"]) == (
        4,
        "deviates",
        "github:ubuntu-24.04-arm",
    )
    assert [(o["origin"], o["how"]["runner"], o["value"], o["status"]) for o in cell["others"]] == [
        (f"local:{HERE}", "qemu", 8, "agrees")
    ]
    assert {o["label"] for o in model["origins"]} == {"github:ubuntu-24.04-arm", f"local:{HERE}"}
    (target,) = model["targets"]
    assert (target["ran_with"], target["origin"]) == ("native", "github:ubuntu-24.04-arm")
    assert target["also_ran"] == [
        {"origin": f"local:{HERE}", "runner": "qemu", "version": "qemu-aarch64 8.2"}
    ]


def test_only_the_differing_cell_is_a_disagreement(emulated, hardware):
    model = merged(emulated, hardware)
    assert model["disagreements"] == [
        {
            "probe": SIZE,
            "column": ARM_GNU,
            "shown": {
                "origin": "github:ubuntu-24.04-arm",
                "runner": "native",
                "status": "deviates",
                "value": 4,
                "detail": "",
            },
            "other": {
                "origin": f"local:{HERE}",
                "runner": "qemu",
                "status": "agrees",
                "value": 8,
                "detail": "",
            },
        }
    ]
    page = cell_of(model, "abi.page_size", ARM_GNU)
    assert page["origin"] == "github:ubuntu-24.04-arm"
    assert len(page["others"]) == 1
    assert model["summary"] == {"agrees": 1, "deviates": 1}


def test_a_run_outranks_a_cell_that_did_not_run(tmp_path, emulated):
    absent = results(
        tmp_path,
        "absent",
        [seen(SIZE, ARM_GNU, "none", None, Outcome.NOT_RUN)],
        host=ARM,
        label="github:broken",
        runs={ARM_GNU: {"reason": "no runner"}},
    )
    model = merged(absent, emulated)
    cell = cell_of(model, SIZE, ARM_GNU)
    assert (cell["origin"], cell["value"]) == (f"local:{HERE}", 8)
    assert model["disagreements"] == []
    assert model["targets"][0]["ran_with"] == "qemu"


@pytest.mark.parametrize("alpine_first", [True, False])
def test_musl_on_a_musl_host_wins_over_musl_on_glibc(tmp_path, alpine_first):
    musl = "linux-x86_64-musl"
    glibc_host = results(tmp_path, "glibc", [seen("tz.utc", musl, "native", 0)])
    alpine = results(
        tmp_path,
        "alpine",
        [seen("tz.utc", musl, "native", 0)],
        host="linux-x86_64-musl",
        label="github:alpine",
    )
    model = merged(*([alpine, glibc_host] if alpine_first else [glibc_host, alpine]))
    assert cell_of(model, "tz.utc", musl)["origin"] == "github:alpine"


def test_build_cells_that_differ_between_origins_are_flagged(tmp_path):
    probe, linux = "signals.sigusr1_number", "linux-x86_64-gnu"
    first = results(tmp_path, "a", [seen(probe, linux, "zig", 10)])
    second = results(tmp_path, "b", [seen(probe, linux, "zig", 12)], label="other")
    model = merged(first, second)
    assert cell_of(model, probe, linux)["value"] == 10  # a tie: the first file's is shown
    assert [d["other"]["value"] for d in model["disagreements"]] == [12]


def test_the_same_file_twice_is_one_origin(emulated):
    model = merged(emulated, emulated)
    assert len(model["origins"]) == 1
    assert cell_of(model, SIZE, ARM_GNU)["others"] == []


def test_two_origins_with_one_label_stay_apart(tmp_path):
    first = results(tmp_path, "a", [seen("tz.utc", "linux-x86_64-gnu", "native", 0)])
    later = results(tmp_path, "b", [seen("tz.utc", "linux-x86_64-gnu", "native", 0)], minutes=5)
    model = merged(first, later)
    assert [o["id"] for o in model["origins"]] == [f"local:{HERE}", f"local:{HERE}#2"]
    assert cell_of(model, "tz.utc", "linux-x86_64-gnu")["others"][0]["origin"] == f"local:{HERE}#2"


def test_a_merged_file_merges_again_without_losing_observations(tmp_path, emulated, hardware):
    again = tmp_path / "merged.json"
    again.write_text(json.dumps(merged(emulated, hardware)))
    third = results(
        tmp_path, "third", [seen(SIZE, ARM_GNU, "native", 8)], host=ARM, label="lab:pi5"
    )
    model = merged(again, third, hardware)
    assert len(model["origins"]) == 3
    cell = cell_of(model, SIZE, ARM_GNU)
    assert len(cell["others"]) == 2
    assert {o["origin"] for o in cell["others"]} | {cell["origin"]} == {
        "github:ubuntu-24.04-arm",
        "lab:pi5",
        f"local:{HERE}",
    }


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _rename_target(data: dict[str, Any]) -> None:
    data["targets"][0]["id"] = "linux-riscv64-gnu"
    for c in data["columns"]:
        c["target"], c["id"] = "linux-riscv64-gnu", "linux-riscv64-gnu"
    for c in data["cells"]:
        c["column"] = "linux-riscv64-gnu"


BAD = {
    "truncated": (
        lambda p: p.write_text(p.read_text()[:200]),
        r"not JSON \(line 1, column \d+: .*\); the file is corrupt or truncated",
    ),
    "not text": (lambda p: p.write_bytes(b"\xff\xfe\x00"), r"not UTF-8 text \(byte 0\)"),
    "not a matrix": (
        lambda p: p.write_text('{"schema": "something.else"}'),
        r"not a portmatrix results file",
    ),
    "version 1": (
        lambda p: _edit(p, lambda d: d.update(version=1)),
        r"schema version 1, this portmatrix reads version 2; make the file again",
    ),
    "schema": (
        lambda p: _edit(p, lambda d: d["cells"][0].update(status="fine")),
        r"does not fit matrix.schema.json at cells/0/status: 'fine' is not one of",
    ),
    "unknown target": (
        lambda p: _edit(p, _rename_target),
        r"claims target 'linux-riscv64-gnu', which targets.yaml does not know",
    ),
    "other triple": (
        lambda p: _edit(p, lambda d: d["targets"][0].update(triple="aarch64-linux-gnu.2.28")),
        r"was built for aarch64-linux-gnu.2.28, targets.yaml says aarch64-linux-gnu.2.17",
    ),
    "unknown probe": (
        lambda p: _edit(p, lambda d: d["cells"][0].update(probe="abi.sizeof_lonng_runtime")),
        r"has probe 'abi.sizeof_lonng_runtime'.*\(did you mean 'abi.sizeof_long_runtime'\?\)",
    ),
    "missing": (lambda p: p.unlink(), r"cannot read: No such file or directory"),
}


@pytest.mark.parametrize(("spoil", "reason"), BAD.values(), ids=list(BAD))
def test_an_unusable_file_is_named_and_the_rest_merges(tmp_path, emulated, hardware, spoil, reason):
    bad = tmp_path / "bad.json"
    bad.write_text(hardware.read_text())
    spoil(bad)
    model = merged(emulated, bad)
    (rejected,) = model["rejected"]
    assert rejected["file"] == str(bad)
    assert re.search(reason, rejected["reason"]), rejected["reason"]
    assert cell_of(model, SIZE, ARM_GNU)["origin"] == f"local:{HERE}"


def test_nothing_usable_is_an_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[")
    with pytest.raises(ValueError, match=r"no results file could be merged: .*bad.json: not JSON"):
        merged(bad)


def test_closeness_orders_hardware_container_emulator_compiler():
    target = TARGETS[ARM_GNU]
    ranks = {
        runner: merge.closeness(
            merge.Seen("o", seen(SIZE, ARM_GNU, runner, 8), (3, 11), HERE), target
        )
        for runner in ("native", "docker", "qemu", "zig")
    }
    assert ranks["native"] > ranks["docker"] > ranks["qemu"] > ranks["zig"]
    not_run = merge.Seen("o", seen(SIZE, ARM_GNU, "native", None, Outcome.NOT_RUN), None, ARM)
    assert merge.closeness(not_run, target) < ranks["zig"]
