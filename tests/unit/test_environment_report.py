"""Environment columns in the report: differences from the host, in every writer."""

from __future__ import annotations

import datetime as dt
import json

from matrix import catalogue, compare, merge, report, targets
from matrix.environments import Environment
from matrix.report.write import html, markdown
from matrix.results import Column, How, Observation, Outcome
from matrix.targets import Target

from ..conftest import TARGETS_FILE

MUSL = Target(
    "linux-x86_64-musl", "x86_64-linux-musl", "linux", "x86_64", "musl", "1.2", ("native",)
)
SCRATCH = Environment("scratch", "nothing but the program", "empty", engine_files="hidden")


def _obs(probe: str, column: Column, value, outcome: Outcome = Outcome.OK) -> Observation:
    how = How(
        "run", "docker" if column.environment else "native", "v", environment=column.environment
    )
    return Observation(probe, column, how, outcome, value, "detail")


def _model():
    cat = catalogue.load()
    host, env = Column(MUSL.identifier), Column(MUSL.identifier, environment="scratch")
    observations = [
        _obs("tz.utc", host, 0),
        _obs("tz.utc", env, 0),
        _obs("tz.europe_berlin", host, "resolved"),
        _obs("tz.europe_berlin", env, "unresolved"),
        _obs("dns.hosts_file", host, "no entry"),
        _obs("dns.hosts_file", env, None, Outcome.NOT_RUN),
    ]
    cells = compare.judge_all(cat, {MUSL.identifier: MUSL}, observations)
    runs = [{"column": env.id, "environment": "scratch", "runner": "docker", "version": "v"}]
    return report.assemble(
        catalogue=cat,
        targets=[MUSL],
        cells=cells,
        runs={MUSL.identifier: {"runner": "native", "version": "v"}},
        host="linux-x86_64-glibc",
        zig="0.17.0",
        environments={"scratch": SCRATCH},
        environment_runs=runs,
    )


def test_only_values_that_differ_from_the_host_are_listed():
    model = _model()
    report.validate(model)
    diffs = model["environment_differences"]
    assert [(d["probe"], d["host"], d["value"]) for d in diffs] == [
        ("tz.europe_berlin", "resolved", "unresolved")
    ]
    assert diffs[0]["column"] == "linux-x86_64-musl@scratch"
    assert diffs[0]["status"] == "agrees"
    assert "musl looks in /usr/share/zoneinfo" in diffs[0]["note"]
    assert model["environments"][0]["columns"][0]["ran_with"] == "docker"


def test_writers_show_environment_columns_and_differences():
    model = _model()
    md = markdown(model)
    assert "## Environments against the host" in md
    assert "| tz.europe\\_berlin | linux-x86\\_64-musl@scratch | resolved | ✅ unresolved |" in md
    assert (
        "| scratch | empty, engine files hidden | linux-x86\\_64-musl@scratch | docker (v) |" in md
    )
    page = html(model)
    assert page.count('class="cell s-agrees env-differs"') == 1
    assert 'id="environment-differences"' in page


def test_a_model_without_environments_still_renders():
    model = _model()
    for key in ("environments", "environment_differences"):
        del model[key]
    report.validate(model)
    assert "Environments against the host" not in markdown(model)
    assert 'env-differs"' not in html(model).split("<h2", 1)[1]


def test_environment_columns_survive_a_merge(tmp_path):
    model = _model()
    path = tmp_path / "one.json"
    path.write_text(json.dumps(model))
    merged = merge.merge(
        [path],
        targets=targets.load(TARGETS_FILE),
        catalogue=catalogue.load(),
        host="merge",
        generated=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    assert merged["environments"] == model["environments"]
    diffs = [(d["probe"], d["column"]) for d in merged["environment_differences"]]
    assert diffs == [("tz.europe_berlin", "linux-x86_64-musl@scratch")]
