"""Assembling the report model from targets, catalogue and judged cells."""

from __future__ import annotations

import datetime as dt
import platform
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from functools import cache
from typing import Any

import jsonschema

from .. import config
from ..catalogue import Catalogue
from ..compare import agreements
from ..environments import Environment
from ..results import Cell, Column, Outcome, Status
from ..targets import Target

__all__ = [
    "SCHEMA_VERSION",
    "assemble",
    "deviations",
    "environment_differences",
    "origin",
    "validate",
    "validator",
]

#: Version 2 added provenance (origins, each cell's origin and other
#: observations), disagreements between origins, rejected files and drift.
SCHEMA_VERSION = 2


def assemble(
    *,
    catalogue: Catalogue,
    targets: Sequence[Target],
    cells: Iterable[Cell],
    runs: dict[str, dict[str, Any]],
    host: str,
    zig: str,
    generated: dt.datetime | None = None,
    label: str = "",
    url: str = "",
    origins: Sequence[dict[str, str]] = (),
    disagreements: Sequence[dict[str, Any]] = (),
    rejected: Sequence[dict[str, str]] = (),
    environments: Mapping[str, Environment] | None = None,
    environment_runs: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The JSON model of a matrix run.

    `runs` maps a target identifier to how its run-time probes went here:
    {"runner", "version"} when they ran, {"reason"} when they could not.
    `environment_runs` says the same of each target@environment column, with
    its "column"; `environments` are the declarations those columns ran in.
    `label` and `url` name where this run happened (a CI runner and its run's
    page; by default `local:<host>`).  A merged model (matrix.merge) passes
    `origins` instead, with its disagreements and the files it rejected, and
    each of its cells carries its own origin and other observations in
    `Cell.extra`.
    """
    cells = list(cells)
    probe_ids = {c.observation.probe for c in cells}
    columns = _columns(targets, cells)
    when = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    origins = list(origins) or [origin(label, host=host, zig=zig, generated=when, url=url)]
    default = origins[0]["id"]
    return {
        "schema": "portmatrix.matrix",
        "version": SCHEMA_VERSION,
        "generated": when,
        "tool": {"zig": zig, "python": platform.python_version()},
        "host": host,
        "origins": origins,
        "targets": [_target(t, runs.get(t.identifier, {}), default) for t in targets],
        "columns": [
            {"id": c.id, "target": c.target, "backend": c.backend, "environment": c.environment}
            for c in columns
        ],
        "categories": [
            {"id": k, "title": v}
            for k, v in catalogue.categories.items()
            if any(p.startswith(k + ".") for p in probe_ids)
        ],
        "probes": [_probe(p) for p in catalogue.probes.values() if p.id in probe_ids],
        "sources": {k: asdict(s) | {"key": k} for k, s in catalogue.sources.items()},
        "cells": [_cell(c, default) for c in cells],
        "agreements": [_agreement(a) for a in agreements(cells)],
        "summary": dict(sorted(Counter(c.status.value for c in cells).items())),
        "environments": [_environment(e, environment_runs) for e in (environments or {}).values()],
        "environment_differences": environment_differences(cells),
        "disagreements": list(disagreements),
        "rejected": list(rejected),
        "drift": None,
    }


def origin(
    label: str, *, host: str, zig: str, generated: str, python: str = "", url: str = ""
) -> dict[str, str]:
    """Where one results file was made: a label (a CI runner, or local), host and tools.

    Without a label the origin is `local:<host>`, which is what a run on a
    developer's machine is.
    """
    label = label or f"local:{host}"
    return {
        "id": label,
        "label": label,
        "host": host,
        "generated": generated,
        "zig": zig,
        "python": python or platform.python_version(),
        "url": url,
    }


def validate(model: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless `model` fits matrix.schema.json."""
    error = jsonschema.exceptions.best_match(validator().iter_errors(model))
    if error is not None:
        raise error


@cache
def validator() -> jsonschema.Draft202012Validator:
    """The validator of matrix.schema.json, whose own check is done once, not per model."""
    schema = config.schema("matrix.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _columns(targets: Sequence[Target], cells: list[Cell]) -> list[Column]:
    seen = {c.observation.column for c in cells}
    order = {t.identifier: i for i, t in enumerate(targets)}
    return sorted(
        seen, key=lambda c: (order.get(c.target, 99), c.environment, c.backend != "native")
    )


def _target(t: Target, run: dict[str, Any], default_origin: str) -> dict[str, Any]:
    return {
        "id": t.identifier,
        "triple": t.triple,
        "os": t.os,
        "arch": t.arch,
        "libc": t.libc,
        "floor": t.floor,
        "runners": list(t.runners),
        "ran_with": run.get("runner", ""),
        "runner_version": run.get("version", ""),
        "not_run_reason": run.get("reason", ""),
        "origin": run.get("origin", default_origin),
        "also_ran": list(run.get("also_ran", ())),
    }


def _environment(env: Environment, runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "id": env.name,
        "description": env.description,
        "root": env.root,
        "engine_files": env.engine_files,
        "columns": [
            {
                "column": r["column"],
                "ran_with": r.get("runner", ""),
                "runner_version": r.get("version", ""),
                "not_run_reason": r.get("reason", ""),
                "seconds": round(float(r.get("seconds", 0.0)), 2),
            }
            for r in runs
            if r["environment"] == env.name
        ],
    }


def environment_differences(cells: Iterable[Cell]) -> list[dict[str, Any]]:
    """Each environment cell whose value is not the one the same target gave on the host."""
    by_column = {(c.observation.probe, c.observation.column): c for c in cells}
    found = []
    for (probe, column), cell in by_column.items():
        if not column.environment or cell.observation.outcome is not Outcome.OK:
            continue
        host = by_column.get((probe, Column(column.target, column.backend)))
        if host is None or host.observation.outcome is not Outcome.OK:
            continue
        here, there = host.observation.value, cell.observation.value
        if type(here) is type(there) and here == there:
            continue
        found.append(
            {
                "probe": probe,
                "column": column.id,
                "host_column": host.observation.column.id,
                "environment": column.environment,
                "host": here,
                "value": there,
                "status": cell.status.value,
                "detail": cell.observation.detail,
                "note": cell.note,
                "cite": list(cell.cite),
            }
        )
    return found


def _probe(p) -> dict[str, Any]:
    return {
        "id": p.id,
        "category": p.category,
        "title": p.title,
        "why": p.why,
        "kind": p.kind,
        "check": (
            {"kind": p.build.kind, "subject": p.build.subject, "headers": list(p.build.headers)}
            if p.build
            else None
        ),
        "expectations": [
            {"when": dict(e.when), "expected": e.describe(), "cite": list(e.cite), "note": e.note}
            for e in p.expectations
        ],
    }


def _cell(c: Cell, default_origin: str) -> dict[str, Any]:
    o = c.observation
    return {
        "probe": o.probe,
        "column": o.column.id,
        "status": c.status.value,
        "value": o.value,
        "detail": o.detail,
        "expected": c.expected,
        "cite": list(c.cite),
        "note": c.note,
        "seconds": round(o.seconds, 4),
        "how": asdict(o.how),
        "origin": c.extra.get("origin", default_origin),
        "others": list(c.extra.get("others", ())),
    }


def _agreement(a) -> dict[str, Any]:
    return {
        "probe": a.probe,
        "target": a.target,
        "environment": a.environment,
        "native": a.native.observation.value,
        "python": a.python.observation.value,
        "agree": a.agree,
        "explanation": a.explanation,
    }


def deviations(model: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in model["cells"] if c["status"] == Status.DEVIATES.value]
