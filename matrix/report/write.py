"""Writing the report model as JSON, Markdown and HTML, each file atomically."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections import defaultdict
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from ..cache import write_atomic

__all__ = ["FLAGS", "MARKS", "html", "markdown", "write_all", "write_json"]

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

#: Marks added to a cell's value: other origins saw it otherwise, it changed
#: against the baseline, or a container environment gave another value than
#: the host.
FLAGS = {
    "disputed": ("≠", "another origin observed something else (see the disagreements)"),
    "changed": ("Δ", "changed against the baseline"),
    "env-differs": (
        "†",
        "differs from the same target on the host (see environments against the host)",
    ),
}


#: Marks for the HTML page, from characters every common font has.
HTML_MARKS = {
    "agrees": "✓",
    "deviates": "✗",
    "undocumented": "?",
    "not run": "–",
    "build failed": "⚒",
    "crashed": "☠",
    "timed out": "◔",
    "bad output": "⚠",
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
        ("&", "&amp;"),
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
    lines += _md_rejected(model) + _md_origins(model)
    lines += ["| target | triple | floor | run-time probes |", "|---|---|---|---|"]
    merged = len(model["origins"]) > 1
    for t in model["targets"]:
        ran = (
            f"{_md(t['ran_with'])} ({_md(t['runner_version'])})"
            if t["ran_with"]
            else f"not run: {_md(t['not_run_reason'])}"
        )
        if merged:
            ran += f" on {_md(t['origin'])}" + "".join(
                f"; also {_md(a['runner'])} on {_md(a['origin'])}" for a in t["also_ran"]
            )
        lines.append(
            f"| {_md(t['id'])} | {_md(t['triple'])} | {_md(t['libc'])} {_md(t['floor'])} | {ran} |"
        )
    lines += _md_environments(model)
    lines += _md_drift(model) + _md_disagreements(model)
    flags = flagged(model)
    for cat in model["categories"]:
        lines += ["", f"## {_md(cat['title'])}", ""]
        lines.append("| probe | " + " | ".join(_md(c) for c in cols) + " |")
        lines.append("|---|" + "---|" * len(cols))
        for probe in (p for p in model["probes"] if p["category"] == cat["id"]):
            row = [f"{_md(probe['id'])} ({probe['kind']})"]
            for col in cols:
                cell = grid[probe["id"]].get(col)
                marks = "".join(FLAGS[f][0] for f in flags.get((probe["id"], col), ()))
                row.append(
                    f"{MARKS[cell['status']]} {_md(show(cell['value']))}{marks}" if cell else ""
                )
            lines.append("| " + " | ".join(row) + " |")
    lines += _md_environment_differences(model)
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
    legend = [f"{m} {k}" for k, m in MARKS.items()] + [f"{m} {text}" for m, text in FLAGS.values()]
    lines += ["", "Legend: " + ", ".join(legend), ""]
    return "\n".join(lines)


#: C0 and C1 control characters other than tab and newline, and the
#: bidirectional overrides: browsers show some as boxes, drop others or
#: reorder the text around them, so a value could pass for another.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _printable(value: Any) -> Any:
    """What every {{ }} of the template prints: control characters made visible."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return _CONTROLS.sub(lambda m: f"\\u{ord(m[0]):04x}", value)
    return value


def _https(url: Any) -> str:
    """A link target only when it is https; the schema says so, the writer makes sure."""
    text = str(url)
    return text if text.startswith("https://") else "#"


def _md_environments(model: dict[str, Any]) -> list[str]:
    envs = model.get("environments", [])
    if not envs:
        return []
    lines = ["", "| environment | root | column | ran | seconds |", "|---|---|---|---|---|"]
    for env in envs:
        root = f"{env['root']}, engine files {env['engine_files']}"
        for col in env["columns"]:
            ran = (
                f"{_md(col['ran_with'])} ({_md(col['runner_version'])})"
                if col["ran_with"]
                else f"not run: {_md(col['not_run_reason'])}"
            )
            lines.append(
                f"| {_md(env['id'])} | {_md(root)} | {_md(col['column'])} | {ran} "
                f"| {col['seconds']:.2f} |"
            )
    return lines


def _md_environment_differences(model: dict[str, Any]) -> list[str]:
    diffs = model.get("environment_differences", [])
    if not diffs:
        return []
    lines = [
        "",
        "## Environments against the host",
        "",
        "Cells whose value in a container environment is not the same target's on the host.",
        "",
        "| probe | column | on the host | in the environment | why |",
        "|---|---|---|---|---|",
    ]
    for d in diffs:
        why = d["note"] or d["detail"]
        lines.append(
            f"| {_md(d['probe'])} | {_md(d['column'])} | {_md(show(d['host']))} | "
            f"{MARKS[d['status']]} {_md(show(d['value']))} | {_md(why)} |"
        )
    return lines


def flagged(model: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """(probe, column) -> the FLAGS that apply to the cell."""
    flags: dict[tuple[str, str], list[str]] = defaultdict(list)
    for d in model["disagreements"]:
        if "disputed" not in flags[(d["probe"], d["column"])]:
            flags[(d["probe"], d["column"])].append("disputed")
    for c in (model["drift"] or {}).get("changed", ()):
        flags[(c["probe"], c["column"])].append("changed")
    for d in model.get("environment_differences", ()):
        flags[(d["probe"], d["column"])].append("env-differs")
    return dict(flags)


def _md_rejected(model: dict[str, Any]) -> list[str]:
    if not model["rejected"]:
        return []
    lines = ["## Results files left out", ""]
    lines += [f"- `{_md(r['file'])}`: {_md(r['reason'])}" for r in model["rejected"]]
    return lines + [""]


def _md_url(url: str) -> str:
    """A link destination that cannot end the link or the table cell early."""
    return urllib.parse.quote(url, safe=":/?#@!$&'*+,;=%-._~")


def _md_origins(model: dict[str, Any]) -> list[str]:
    if len(model["origins"]) < 2:
        return [f"Observed on {_md(model['origins'][0]['label'])}.", ""]
    lines = [
        f"Merged from {len(model['origins'])} origins; each cell shows the observation closest "
        "to real hardware.",
        "",
        "| origin | host | generated | zig | Python |",
        "|---|---|---|---|---|",
    ]
    for o in model["origins"]:
        name = (
            f"[{_md(o['label'])}]({_md_url(o['url'])})"
            if o["url"].startswith("https://")
            else _md(o["label"])
        )
        lines.append(
            f"| {name} | {_md(o['host'])} | {_md(o['generated'])} | {_md(o['zig'])} "
            f"| {_md(o['python'])} |"
        )
    return lines + [""]


def _md_drift(model: dict[str, Any]) -> list[str]:
    drift = model["drift"]
    if drift is None:
        return []
    base = drift["baseline"]
    lines = [
        "",
        "## Changes against the baseline",
        "",
        f"Baseline `{_md(base['file'])}`, generated {_md(base['generated'])}: "
        f"{len(drift['changed'])} cells changed, {len(drift['added'])} added, "
        f"{len(drift['removed'])} removed.",
    ]
    if drift["changed"]:
        lines += ["", "| probe | column | before | after |", "|---|---|---|---|"]
        for c in drift["changed"]:
            before, after = c["before"], c["after"]
            lines.append(
                f"| {_md(c['probe'])} | {_md(c['column'])} "
                f"| {MARKS[before['status']]} {_md(show(before['value']))} "
                f"| {MARKS[after['status']]} {_md(show(after['value']))} |"
            )
    for title, key in (("Added", "added"), ("Removed", "removed")):
        if drift[key]:
            names = ", ".join(f"{_md(c['probe'])} on {_md(c['column'])}" for c in drift[key])
            lines += ["", f"{title}: {names}"]
    return lines


def _md_disagreements(model: dict[str, Any]) -> list[str]:
    if not model["disagreements"]:
        return []
    lines = ["", "## Where origins disagree", ""]
    for d in model["disagreements"]:
        shown, other = d["shown"], d["other"]
        lines.append(
            f"- **{_md(d['probe'])}** on {_md(d['column'])}: {_md(shown['runner'])} on "
            f"{_md(shown['origin'])} gave {_md(show(shown['value']))} ({shown['status']}), "
            f"{_md(other['runner'])} on {_md(other['origin'])} gave "
            f"{_md(show(other['value']))} ({other['status']})"
        )
    return lines


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("matrix.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    finalize=_printable,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["show"] = show
_ENV.filters["https"] = _https


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
        flags=flagged(model),
        flag_marks=FLAGS,
    )
