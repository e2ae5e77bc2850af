"""Drift: which cells of a matrix changed against a baseline (an older results file).

A cell is the pair (probe, column).  It changed when its status or its value
differs; a cell only in the new matrix is added, one only in the baseline is
removed.  The result is stored in the model under "drift", so the Markdown
and HTML writers render it like everything else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .write import show

__all__ = ["attach", "compare", "describe", "lines"]


def compare(model: dict[str, Any], baseline: dict[str, Any], baseline_file: str) -> dict[str, Any]:
    """The "drift" entry of `model` against `baseline` (both validated models)."""
    now, before = _index(model["cells"]), _index(baseline["cells"])
    changed = []
    for key, cell in now.items():
        old = before.get(key)
        if old is None:
            continue
        fields = [f for f in ("status", "value") if _differs(old, cell, f)]
        if fields:
            changed.append(_change(key, fields, old, cell))
    return {
        "baseline": {
            "file": baseline_file,
            "generated": baseline["generated"],
            "origins": [o["label"] for o in baseline["origins"]],
        },
        "changed": changed,
        "added": [_change(k, [], None, c) for k, c in now.items() if k not in before],
        "removed": [_change(k, [], c, None) for k, c in before.items() if k not in now],
    }


def attach(model: dict[str, Any], baseline: dict[str, Any], baseline_file: str) -> dict[str, Any]:
    """`model` with its drift against `baseline` filled in."""
    return {**model, "drift": compare(model, baseline, baseline_file)}


def describe(change: dict[str, Any]) -> str:
    """One line for a terminal: 'probe on column: status agrees → deviates, value 10 → 12'."""
    before, after = change["before"], change["after"]
    where = f"{change['probe']} on {change['column']}"
    if before is None:
        return f"{where}: new, {after['status']} {show(after['value'])}"
    if after is None:
        return f"{where}: gone, was {before['status']} {show(before['value'])}"
    parts = [f"{f} {show(before[f])} → {show(after[f])}" for f in change["fields"]]
    if before["expected"] != after["expected"]:
        parts.append(f"documented {before['expected'] or '—'} → {after['expected'] or '—'}")
    return f"{where}: " + ", ".join(parts)


def lines(found: dict[str, Any] | None, limit: int) -> list[str]:
    """Lines for a terminal: the count, every changed cell, up to `limit` added and removed."""
    if found is None:
        return []
    out = [
        f"against {found['baseline']['file']}: {len(found['changed'])} cells changed, "
        f"{len(found['added'])} added, {len(found['removed'])} removed"
    ]
    out += [f"  changed: {describe(c)}" for c in found["changed"]]
    for kind in ("added", "removed"):
        out += [f"  {kind}: {describe(c)}" for c in found[kind][:limit]]
        if len(found[kind]) > limit:
            out.append(f"  … {len(found[kind]) - limit} more {kind}; the reports list them all")
    return out


def _index(cells: Iterable[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["probe"], c["column"]): c for c in cells}


def _differs(old: dict[str, Any], new: dict[str, Any], field: str) -> bool:
    # 1 and True compare equal in Python; a probe that switched between them changed.
    a, b = old[field], new[field]
    return a != b or type(a) is not type(b)


def _change(
    key: tuple[str, str],
    fields: list[str],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "probe": key[0],
        "column": key[1],
        "fields": fields,
        "before": _state(before),
        "after": _state(after),
    }


def _state(cell: dict[str, Any] | None) -> dict[str, Any] | None:
    if cell is None:
        return None
    return {
        "status": cell["status"],
        "value": cell["value"],
        "expected": cell["expected"],
        "origin": cell["origin"],
    }
