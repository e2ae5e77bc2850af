"""Assembling the report model from targets, catalogue and judged cells."""

from __future__ import annotations

import datetime as dt
import json
import platform
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import jsonschema

from .. import config
from ..catalogue import Catalogue
from ..compare import agreements
from ..errors import ConfigError, Problem
from ..results import Cell, Column, Status
from ..targets import Target

__all__ = ["SCHEMA_VERSION", "assemble", "deviations", "load", "validate"]

SCHEMA_VERSION = 1


def assemble(
    *,
    catalogue: Catalogue,
    targets: Sequence[Target],
    cells: Iterable[Cell],
    runs: dict[str, dict[str, str]],
    host: str,
    zig: str,
    generated: dt.datetime | None = None,
) -> dict[str, Any]:
    """The JSON model of a matrix run.

    `runs` maps a target identifier to how its run-time probes went here:
    {"runner", "version"} when they ran, {"reason"} when they could not.
    """
    cells = list(cells)
    probe_ids = {c.observation.probe for c in cells}
    columns = _columns(targets, cells)
    return {
        "schema": "portmatrix.matrix",
        "version": SCHEMA_VERSION,
        "generated": (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": {"zig": zig, "python": platform.python_version()},
        "host": host,
        "targets": [_target(t, runs.get(t.identifier, {})) for t in targets],
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
        "cells": [_cell(c) for c in cells],
        "agreements": [_agreement(a) for a in agreements(cells)],
        "summary": dict(sorted(Counter(c.status.value for c in cells).items())),
    }


def validate(model: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless `model` fits matrix.schema.json."""
    jsonschema.validate(model, config.schema("matrix.schema.json"))


def load(path: Path) -> dict[str, Any]:
    """Read a matrix.json made anywhere, and refuse it unless it fits the schema.

    A results file may come from another machine or another tool; nothing in
    it is used before it has been validated, so the writers only ever see
    the shapes and values the schema allows (https links, known statuses).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        fix = "run `python -m matrix conformance` first, or pass the folder with -o"
        raise ConfigError([Problem(path, None, f"cannot read: {exc.strerror}", fix)]) from None
    try:
        model = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError([Problem(path, line, "not UTF-8 text", "write it as UTF-8")]) from None
    except json.JSONDecodeError as exc:
        fix = "it is not JSON: produce it again with `python -m matrix conformance`"
        raise ConfigError([Problem(path, exc.lineno, f"not JSON: {exc.msg}", fix)]) from None
    validator = jsonschema.Draft202012Validator(config.schema("matrix.schema.json"))
    problems = [_schema_problem(path, e) for e in validator.iter_errors(model)]
    if problems:
        raise ConfigError(problems[:20])
    return model


def _schema_problem(path: Path, error: jsonschema.ValidationError) -> Problem:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return Problem(
        path,
        None,
        f"{where.lstrip('.') or 'the top level'}: {error.message[:300]}",
        "this is not a matrix.json of portmatrix schema version 1; make it again, or merge "
        "only files that matrix/schemas/matrix.schema.json accepts",
    )


def _columns(targets: Sequence[Target], cells: list[Cell]) -> list[Column]:
    seen = {c.observation.column for c in cells}
    order = {t.identifier: i for i, t in enumerate(targets)}
    return sorted(
        seen, key=lambda c: (order.get(c.target, 99), c.environment, c.backend != "native")
    )


def _target(t: Target, run: dict[str, str]) -> dict[str, Any]:
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
    }


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


def _cell(c: Cell) -> dict[str, Any]:
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
