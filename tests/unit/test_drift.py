"""Drift against a baseline: exactly the cells whose status or value changed, added or removed."""

from __future__ import annotations

import copy

import pytest

from matrix import compare, report
from matrix.report import drift, write
from matrix.results import Outcome

from .test_merge import CATALOGUE, TARGETS, seen

LINUX = "linux-x86_64-gnu"


def model(*observations, catalogue=CATALOGUE):
    cells = compare.judge_all(catalogue, TARGETS, observations, python=(3, 11))
    built = report.assemble(
        catalogue=catalogue,
        targets=[TARGETS[LINUX]],
        cells=cells,
        runs={},
        host="linux-x86_64-glibc",
        zig="0.17.0",
    )
    report.validate(built)
    return built


@pytest.fixture
def baseline():
    return model(
        seen("tz.utc", LINUX, "native", 0),
        seen("signals.sigusr1_number", LINUX, "zig", 10),
        seen("abi.page_size", LINUX, "native", 4096),
    )


def test_the_same_matrix_has_no_drift(baseline):
    found = drift.compare(copy.deepcopy(baseline), baseline, "old.json")
    assert (found["changed"], found["added"], found["removed"]) == ([], [], [])
    assert found["baseline"] == {
        "file": "old.json",
        "generated": baseline["generated"],
        "origins": ["local:linux-x86_64-glibc"],
    }


def test_a_changed_value_is_exactly_that_cell(baseline):
    now = model(
        seen("tz.utc", LINUX, "native", 0),
        seen("signals.sigusr1_number", LINUX, "zig", 30),
        seen("abi.page_size", LINUX, "native", 4096),
    )
    found = drift.compare(now, baseline, "old.json")
    (change,) = found["changed"]
    assert (change["probe"], change["column"], change["fields"]) == (
        "signals.sigusr1_number",
        LINUX,
        ["status", "value"],
    )
    assert (change["before"]["value"], change["after"]["value"]) == (10, 30)
    assert (change["before"]["status"], change["after"]["status"]) == ("agrees", "deviates")
    assert drift.describe(change) == (
        "signals.sigusr1_number on linux-x86_64-gnu: status agrees → deviates, value 10 → 30"
    )


def test_a_crash_is_a_change_of_status(baseline):
    now = model(
        seen("tz.utc", LINUX, "native", None, Outcome.CRASHED),
        seen("signals.sigusr1_number", LINUX, "zig", 10),
        seen("abi.page_size", LINUX, "native", 4096),
    )
    (change,) = drift.compare(now, baseline, "old.json")["changed"]
    assert change["probe"] == "tz.utc"
    assert change["fields"] == ["status", "value"]
    assert change["after"]["status"] == "crashed"


def test_one_is_not_true(baseline):
    now = copy.deepcopy(baseline)
    now["cells"][0]["value"] = False  # tz.utc gave 0 before
    (change,) = drift.compare(now, baseline, "old.json")["changed"]
    assert change["fields"] == ["value"]


def test_a_changed_expectation_shows_when_it_changes_the_status(baseline):
    now = copy.deepcopy(baseline)
    cell = now["cells"][1]
    cell.update(expected="12", status="deviates")
    (change,) = drift.compare(now, baseline, "old.json")["changed"]
    assert change["fields"] == ["status"]
    assert drift.describe(change).endswith("status agrees → deviates, documented 10 → 12")


def test_added_and_removed_cells(baseline):
    now = model(
        seen("tz.utc", LINUX, "native", 0),
        seen("signals.sigusr1_number", LINUX, "zig", 10),
        seen("tz.utc", LINUX, "python", 0),
    )
    found = drift.compare(now, baseline, "old.json")
    assert found["changed"] == []
    assert [(c["probe"], c["column"]) for c in found["added"]] == [
        ("tz.utc", "linux-x86_64-gnu+python")
    ]
    assert [(c["probe"], c["column"]) for c in found["removed"]] == [("abi.page_size", LINUX)]
    assert drift.describe(found["removed"][0]) == (
        "abi.page_size on linux-x86_64-gnu: gone, was agrees 4096"
    )


def test_the_writers_render_drift_from_the_model(baseline):
    now = model(
        seen("tz.utc", LINUX, "native", 0),
        seen("signals.sigusr1_number", LINUX, "zig", 30),
        seen("abi.page_size", LINUX, "native", 4096),
    )
    attached = drift.attach(now, baseline, "old.json")
    report.validate(attached)
    md = write.markdown(attached)
    assert "## Changes against the baseline" in md
    assert "| signals.sigusr1\\_number | linux-x86\\_64-gnu | ✅ 10 | ❌ 30 |" in md
    assert "| signals.sigusr1\\_number (build) | ❌ 30Δ |" in md
    page = write.html(attached)
    assert 'id="drift"' in page
    assert "changed" in page.split("signals.sigusr1_number</a>", 1)[1].split("</tr>", 1)[0]


def test_terminal_lines_count_what_they_do_not_show(baseline):
    now = model(seen("tz.utc", LINUX, "native", 0), seen("tz.utc", LINUX, "python", 0))
    found = drift.compare(now, baseline, "old.json")
    assert drift.lines(found, limit=1) == [
        "against old.json: 0 cells changed, 1 added, 2 removed",
        "  added: tz.utc on linux-x86_64-gnu+python: new, agrees 0",
        "  removed: signals.sigusr1_number on linux-x86_64-gnu: gone, was agrees 10",
        "  … 1 more removed; the reports list them all",
    ]
    assert drift.lines(None, limit=1) == []
