"""Merging results files from several places into one matrix.

A results file is a matrix.json made anywhere: by a CI runner on real
hardware, by this host under qemu or wine, by a colleague's machine.  Every
observation of every file is kept with its origin.  Each cell shows the
observation closest to the target's real platform (see `closeness`); the
others stay in the cell, and where one of them ran and came out differently,
the cell is listed as a disagreement.  All observations are judged again
against this checkout's catalogue, so the merged report has one set of
expectations.

A file that cannot be used (not JSON, another schema version, not fitting the
schema, a target targets.yaml does not know, a probe the catalogue does not
have) is rejected by name with the reason; the other files merge.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jsonschema

from . import compare, report
from .catalogue import Catalogue
from .errors import did_you_mean
from .report import validator
from .results import Cell, Column, How, Observation, Outcome, Status
from .targets import Target

__all__ = [
    "CLOSENESS",
    "Rejected",
    "Seen",
    "Unusable",
    "closeness",
    "describe",
    "load",
    "merge",
    "read",
]

log = logging.getLogger(__name__)

#: How close a runner's observation comes to the target's real platform.
#: native and python ran on the target itself; docker shares the host's
#: kernel; qemu-user passes system calls to the host kernel and wine
#: reimplements Windows; zig decides build-time cells alike everywhere (0).
CLOSENESS = {"native": 3, "python": 3, "docker": 2, "qemu": 1, "wine": 1}

#: Outcomes of observations that did not get as far as the probe itself.
_DID_NOT_RUN = {Outcome.NOT_RUN, Outcome.BUILD_FAILED}

#: A judged status back to the outcome it was judged from.
_OUTCOME = {s.value: Outcome.OK for s in (Status.AGREES, Status.DEVIATES, Status.UNDOCUMENTED)}
_OUTCOME |= {o.value: o for o in Outcome if o is not Outcome.OK}


class Unusable(Exception):
    """A results file that cannot be merged; the message says why."""


@dataclass(frozen=True)
class Rejected:
    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


@dataclass(frozen=True)
class Seen:
    """One observation of a cell, in one results file, from one origin."""

    origin: str
    observation: Observation
    python: tuple[int, ...] | None
    host: str

    @property
    def ran(self) -> bool:
        return self.observation.outcome not in _DID_NOT_RUN


@dataclass(frozen=True)
class _File:
    """An accepted results file: its origins and what it observed."""

    path: Path
    data: dict[str, Any]
    origins: list[dict[str, str]]


def closeness(seen: Seen, target: Target) -> tuple[int, int, int]:
    """Rank of an observation: one that ran beats one that did not; then real hardware
    before a container before an emulator; then a host of the target's own OS and libc
    (a musl target on Alpine rather than on a glibc host)."""
    own = seen.host == f"{target.os}-{target.arch}-{target.libc}"
    return (int(seen.ran), CLOSENESS.get(seen.observation.how.runner, 0), int(own))


def load(path: Path) -> dict[str, Any]:
    """The model in a results file made elsewhere, validated; raises Unusable with the reason."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise Unusable(f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise Unusable(f"not UTF-8 text (byte {exc.start}); the file is corrupt") from None
    except json.JSONDecodeError as exc:
        raise Unusable(
            f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); the file is corrupt "
            "or truncated, download or make it again"
        ) from None
    if not isinstance(data, dict) or data.get("schema") != "portmatrix.matrix":
        raise Unusable('not a portmatrix results file (no "schema": "portmatrix.matrix")')
    if data.get("version") != report.SCHEMA_VERSION:
        raise Unusable(
            f"schema version {data.get('version')!r}, this portmatrix reads version "
            f"{report.SCHEMA_VERSION}; make the file again with this checkout "
            "(python -m matrix matrix -t TARGET)"
        )
    error = jsonschema.exceptions.best_match(validator().iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise Unusable(f"does not fit matrix.schema.json at {where}: {error.message[:200]}")
    return data


def read(path: Path, targets: dict[str, Target], catalogue: Catalogue) -> dict[str, Any]:
    """The model in `path`, checked for merging with these targets and this catalogue."""
    data = load(path)
    problem = next(_problems(data, targets, catalogue), None)
    if problem is not None:
        raise Unusable(problem)
    return data


def _problems(
    data: dict[str, Any], targets: dict[str, Target], catalogue: Catalogue
) -> Iterator[str]:
    """What makes a schema-valid model unusable here, first problem first."""
    for t in data["targets"]:
        known = targets.get(t["id"])
        if known is None:
            hint = did_you_mean(t["id"], targets) or f"known: {', '.join(targets)}"
            yield (
                f"claims target '{t['id']}', which targets.yaml does not know ({hint}); "
                "add the target to targets.yaml or leave this file out"
            )
        elif known.triple != t["triple"]:
            yield (
                f"target '{t['id']}' was built for {t['triple']}, targets.yaml says "
                f"{known.triple}; make the file again with this targets.yaml"
            )
    columns = {c["id"]: c for c in data["columns"]}
    listed = {t["id"] for t in data["targets"]}
    origins = {o["id"] for o in data["origins"]}
    for c in columns.values():
        if c["target"] not in listed:
            yield f"column '{c['id']}' is of target '{c['target']}', which the file does not list"
    for cell in data["cells"]:
        if cell["probe"] not in catalogue.probes:
            hint = did_you_mean(cell["probe"], catalogue.probes)
            yield (
                f"has probe '{cell['probe']}', which this catalogue does not have"
                f"{' (' + hint + ')' if hint else ''}; it was made by another version of "
                "portmatrix: make it again with this checkout"
            )
        if cell["column"] not in columns:
            yield f"a cell of {cell['probe']} names column '{cell['column']}', which is not listed"
        for o in [cell, *cell["others"]]:
            if o["origin"] not in origins:
                yield f"a cell of {cell['probe']} names origin '{o['origin']}', which is not listed"


def merge(
    paths: Sequence[Path],
    *,
    targets: dict[str, Target],
    catalogue: Catalogue,
    host: str,
    generated: dt.datetime | None = None,
) -> dict[str, Any]:
    """One model from several results files; unusable files are listed in model["rejected"].

    Raises ValueError when no file can be used.
    """
    files, rejected = _accept(paths, targets, catalogue)
    if not files:
        reasons = "; ".join(str(r) for r in rejected)
        raise ValueError(f"no results file could be merged: {reasons}")
    origins, renames = _origins(files)
    seen = _observations(files, renames, origins)
    cells, disagreements = [], []
    for key, group in seen.items():
        cell, found = _cell(key, group, targets, catalogue)
        cells.append(cell)
        disagreements += found
    listed = {t["id"] for f in files for t in f.data["targets"]}
    model = report.assemble(
        catalogue=catalogue,
        targets=[t for ident, t in targets.items() if ident in listed],
        cells=cells,
        runs=_runs(files, renames, targets),
        host=host,
        zig=", ".join(sorted({o["zig"] for o in origins.values()})),
        generated=generated,
        origins=list(origins.values()),
        disagreements=disagreements,
        rejected=[{"file": r.file, "reason": r.reason} for r in rejected],
    )
    model["environments"] = _environments(files)
    report.validate(model)
    return model


def _environments(files: Sequence[_File]) -> list[dict[str, Any]]:
    """Every file's container environments, each column as the first file that ran it says."""
    merged: dict[str, dict[str, Any]] = {}
    for f in files:
        for env in f.data.get("environments", ()):
            entry = merged.setdefault(env["id"], {**env, "columns": []})
            known = {c["column"] for c in entry["columns"]}
            entry["columns"] += [c for c in env["columns"] if c["column"] not in known]
    return list(merged.values())


def _accept(
    paths: Sequence[Path], targets: dict[str, Target], catalogue: Catalogue
) -> tuple[list[_File], list[Rejected]]:
    files, rejected = [], []
    for path in paths:
        try:
            data = read(path, targets, catalogue)
        except Unusable as exc:
            log.info("rejected %s: %s", path, exc)
            rejected.append(Rejected(str(path), str(exc)))
            continue
        files.append(_File(path, data, data["origins"]))
    return files, rejected


def _origins(files: list[_File]) -> tuple[dict[str, dict[str, str]], dict[tuple[int, str], str]]:
    """All origins, one id each.  The same origin met twice (a merged file and one of its
    inputs) is one origin; two different origins with one label get `label#2`."""
    origins: dict[str, dict[str, str]] = {}
    by_identity: dict[tuple[str, str, str], str] = {}
    renames: dict[tuple[int, str], str] = {}
    for i, f in enumerate(files):
        for o in f.origins:
            identity = (o["label"], o["host"], o["generated"])
            ident = by_identity.get(identity)
            if ident is None:
                ident, n = o["label"], 1
                while ident in origins:
                    n += 1
                    ident = f"{o['label']}#{n}"
                origins[ident] = {**o, "id": ident}
                by_identity[identity] = ident
            renames[(i, o["id"])] = ident
    return origins, renames


def _observations(
    files: list[_File], renames: dict[tuple[int, str], str], origins: dict[str, dict[str, str]]
) -> dict[tuple[str, Column], list[Seen]]:
    """Every observation of every file, by cell, in file order; repeats dropped."""
    found: dict[tuple[str, Column], list[Seen]] = {}
    for i, f in enumerate(files):
        columns = {
            c["id"]: Column(c["target"], c["backend"], c["environment"]) for c in f.data["columns"]
        }
        for cell in f.data["cells"]:
            column = columns[cell["column"]]
            group = found.setdefault((cell["probe"], column), [])
            for entry in [cell, *cell["others"]]:
                origin = renames[(i, entry["origin"])]
                if any(s.origin == origin for s in group):
                    continue
                group.append(_seen(cell["probe"], column, entry, origins[origin]))
    return found


def _seen(probe: str, column: Column, entry: dict[str, Any], origin: dict[str, str]) -> Seen:
    observation = Observation(
        probe,
        column,
        How(**entry["how"]),
        _OUTCOME[entry["status"]],
        entry["value"],
        entry["detail"],
        float(entry["seconds"]),
    )
    return Seen(origin["id"], observation, _python_version(origin["python"]), origin["host"])


def _python_version(text: str) -> tuple[int, ...] | None:
    parts = text.split(".")[:2]
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) and parts else None


def _cell(
    key: tuple[str, Column],
    group: list[Seen],
    targets: dict[str, Target],
    catalogue: Catalogue,
) -> tuple[Cell, list[dict[str, Any]]]:
    """The cell shown for one (probe, column), and where its observations disagree."""
    target = targets[key[1].target]
    shown = max(group, key=lambda s: closeness(s, target))
    judged = {id(s): compare.judge(catalogue, target, s.observation, s.python) for s in group}
    others = [s for s in group if s is not shown]
    extra = {
        "origin": shown.origin,
        "others": [_other(s, judged[id(s)]) for s in others],
    }
    disagreements = [
        {
            "probe": key[0],
            "column": key[1].id,
            "shown": _brief(shown, judged[id(shown)]),
            "other": _brief(s, judged[id(s)]),
        }
        for s in others
        if shown.ran and s.ran and _result(s) != _result(shown)
    ]
    return replace(judged[id(shown)], extra=extra), disagreements


def _result(s: Seen) -> tuple[Outcome, Any, str]:
    # 1 and True are equal in Python but not the same observation.
    value = s.observation.value
    return s.observation.outcome, value, type(value).__name__


def _other(s: Seen, cell: Cell) -> dict[str, Any]:
    o = s.observation
    return {
        "origin": s.origin,
        "status": cell.status.value,
        "value": o.value,
        "detail": o.detail,
        "expected": cell.expected,
        "seconds": round(o.seconds, 4),
        "how": {
            "kind": o.how.kind,
            "runner": o.how.runner,
            "version": o.how.version,
            "backend": o.how.backend,
            "environment": o.how.environment,
        },
    }


def _brief(s: Seen, cell: Cell) -> dict[str, Any]:
    o = s.observation
    return {
        "origin": s.origin,
        "runner": o.how.runner,
        "status": cell.status.value,
        "value": o.value,
        "detail": o.detail,
    }


def _runs(
    files: list[_File], renames: dict[tuple[int, str], str], targets: dict[str, Target]
) -> dict[str, dict[str, Any]]:
    """For each target, how its run-time probes went where they came closest to it."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for i, f in enumerate(files):
        for t in f.data["targets"]:
            entries = runs.setdefault(t["id"], [])
            entries.append(
                {
                    "origin": renames[(i, t["origin"])],
                    "runner": t["ran_with"],
                    "version": t["runner_version"],
                    "reason": t["not_run_reason"],
                }
            )
            entries += [
                {**a, "origin": renames[(i, a["origin"])], "reason": ""} for a in t["also_ran"]
            ]
    return {ident: _best_run(entries) for ident, entries in runs.items()}


def _best_run(entries: list[dict[str, Any]]) -> dict[str, Any]:
    unique = list({(e["origin"], e["runner"]): e for e in entries}.values())
    best = max(unique, key=lambda e: (bool(e["runner"]), CLOSENESS.get(e["runner"], 0)))
    also = [
        {"origin": e["origin"], "runner": e["runner"], "version": e["version"]}
        for e in unique
        if e is not best and e["runner"]
    ]
    if not best["runner"]:
        return {"reason": best["reason"], "origin": best["origin"], "also_ran": also}
    return {
        "runner": best["runner"],
        "version": best["version"],
        "origin": best["origin"],
        "also_ran": also,
    }


def describe(model: dict[str, Any]) -> list[str]:
    """Lines for a terminal: the origins of a merged model, and where they disagree."""
    if len(model["origins"]) < 2:
        return []
    lines = [
        f"merged {len(model['origins'])} origins: "
        + ", ".join(o["label"] for o in model["origins"])
    ]
    for d in model["disagreements"]:
        shown, other = d["shown"], d["other"]
        lines.append(
            f"  disagree: {d['probe']} on {d['column']}: {shown['runner']} on {shown['origin']} "
            f"gave {shown['value']!r}, {other['runner']} on {other['origin']} gave "
            f"{other['value']!r}"
        )
    return lines
