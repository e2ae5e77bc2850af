"""Writing the report model as JSON, Markdown and HTML, each file atomically."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import jinja2

from ..cache import write_atomic

__all__ = ["MARKS", "html", "markdown", "write_all", "write_json"]

#: A short mark per status, for Markdown and the HTML legend.
MARKS = {
    "agrees": "✅",
    "deviates": "❌",
    "undocumented": "❔",
    "not run": "⏭️",
    "build failed": "🧱",
    "crashed": "💥",
    "timed out": "⏱️",
    "bad output": "⚠️",
}


#: Marks for the HTML page, from characters every common font has.
HTML_MARKS = {
    "agrees": "✓",
    "deviates": "✗",
    "undocumented": "?",
    "not run": "–",
    "build failed": "!",
    "crashed": "!",
    "timed out": "!",
    "bad output": "!",
}


def write_all(model: dict[str, Any], out: Path) -> dict[str, Path]:
    """Write matrix.json, matrix.md and matrix.html into `out`."""
    paths = {"json": out / "matrix.json", "md": out / "matrix.md", "html": out / "matrix.html"}
    write_json(model, paths["json"])
    write_atomic(paths["md"], markdown(model))
    write_atomic(paths["html"], html(model))
    return paths


def write_json(model: dict[str, Any], path: Path) -> None:
    write_atomic(path, json.dumps(model, indent=1, ensure_ascii=False) + "\n")


def _grid(model: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    grid: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for cell in model["cells"]:
        grid[cell["probe"]][cell["column"]] = cell
    return grid


def show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _md(text: Any) -> str:
    """Text safe inside a Markdown table cell: no row breaks, no markup, no HTML."""
    s = "".join(ch if ch.isprintable() else " " for ch in str(text))
    for ch, esc in (
        ("\\", "\\\\"),
        ("|", "\\|"),
        ("`", "\\`"),
        ("*", "\\*"),
        ("_", "\\_"),
        ("[", "\\["),
        ("]", "\\]"),
        ("<", "&lt;"),
        (">", "&gt;"),
    ):
        s = s.replace(ch, esc)
    return s


def markdown(model: dict[str, Any]) -> str:
    """The report as GitHub-flavoured Markdown, small enough for a step summary."""
    grid = _grid(model)
    cols = [c["id"] for c in model["columns"]]
    lines = ["# portmatrix compatibility matrix", ""]
    summary = ", ".join(f"{MARKS[k]} {k}: {v}" for k, v in model["summary"].items())
    lines += [
        f"Generated {model['generated']} on {_md(model['host'])} with zig "
        f"{_md(model['tool']['zig'])}. {summary}",
        "",
    ]
    lines += ["| target | triple | floor | run-time probes |", "|---|---|---|---|"]
    for t in model["targets"]:
        ran = (
            f"{_md(t['ran_with'])} ({_md(t['runner_version'])})"
            if t["ran_with"]
            else f"not run: {_md(t['not_run_reason'])}"
        )
        lines.append(
            f"| {_md(t['id'])} | {_md(t['triple'])} | {_md(t['libc'])} {_md(t['floor'])} | {ran} |"
        )
    for cat in model["categories"]:
        lines += ["", f"## {_md(cat['title'])}", ""]
        lines.append("| probe | " + " | ".join(_md(c) for c in cols) + " |")
        lines.append("|---|" + "---|" * len(cols))
        for probe in (p for p in model["probes"] if p["category"] == cat["id"]):
            row = [f"{_md(probe['id'])} ({probe['kind']})"]
            for col in cols:
                cell = grid[probe["id"]].get(col)
                row.append(f"{MARKS[cell['status']]} {_md(show(cell['value']))}" if cell else "")
            lines.append("| " + " | ".join(row) + " |")
    devs = [c for c in model["cells"] if c["status"] == "deviates"]
    if devs:
        lines += ["", "## Deviations from the documented behaviour", ""]
        for c in devs:
            cites = ", ".join(
                _md(model["sources"][k]["title"]) for k in c["cite"] if k in model["sources"]
            )
            lines.append(
                f"- **{_md(c['probe'])}** on {_md(c['column'])}: observed "
                f"{_md(show(c['value']))}, documented {_md(c['expected'])} ({cites})"
            )
    lines += ["", "Legend: " + ", ".join(f"{m} {k}" for k, m in MARKS.items()), ""]
    return "\n".join(lines)


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("matrix.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["show"] = show


def html(model: dict[str, Any]) -> str:
    """The report as one self-contained HTML page: no scripts, no network assets."""
    grid = _grid(model)
    by_category = defaultdict(list)
    for p in model["probes"]:
        by_category[p["category"]].append(p)
    return _ENV.get_template("matrix.html.j2").render(
        m=model,
        grid=grid,
        by_category=by_category,
        marks=HTML_MARKS,
        targets={t["id"]: t for t in model["targets"]},
        agreements={(a["probe"], a["target"], a["environment"]): a for a in model["agreements"]},
    )
