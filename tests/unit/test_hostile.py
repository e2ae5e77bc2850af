"""Hostile data in the reports: HTML, Markdown and control characters stay text.

A real model is assembled from the catalogue and targets.yaml with observed
values that are attacks, and then every string in it (target names, probe
ids, citations, details, the host) is made hostile too, consistently, so the
model still fits the schema.  The HTML must contain no element or attribute
that the template does not write, the Markdown tables must keep their
columns, the JSON must stay valid, and `report` must refuse files that do
not fit the schema.  tests/integration/test_hostile_browser.py loads the
HTML in a real headless Chromium.
"""

from __future__ import annotations

import functools
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from matrix import catalogue, cli, compare, report, targets
from matrix.report import write
from matrix.results import Column, How, Observation, Outcome

from ..conftest import TARGETS_FILE

#: Attacks on each writer: elements, attributes, URLs, Markdown structure,
#: control and bidirectional characters.
PAYLOADS = [
    "<script>document.title='PWNED'</script>",
    '"><img src=x onerror="document.title=\'PWNED\'">',
    "'><svg onload=alert(1)>",
    "</td></tr></table><h1>PWNED</h1>",
    "<!-- --><iframe src=javascript:alert(1)>",
    "| col | col |\n|---|---|\n| x |",
    "a\\|b\\\\|c",
    "[link](javascript:alert(1)) ![img](https://evil.invalid/x.png) `code` **bold** _it_",
    "# heading\n\n- list",
    "\x00\x01\x07\x1b[31mred\x1b[0m\x7f\x85\r\n\u2028\u2029",
    "\u202etxt.exe\u202c \ufeff zero\u200bwidth",
    "&lt;script&gt; &amp; &#60;b&#62;",
    "{{ 7*7 }} {% raw %}",
]
HOSTILE = " ".join(PAYLOADS)
#: What a link may carry and still fit the schema: https, no whitespace.
URL_ATTACK = "?q=\"><script>alert(1)</script>'|)(`[x](javascript:alert(1))"
#: Fields the schema fixes to a few words: left as they are.
ENUMS = {"schema", "status", "kind", "backend", "generated"}
#: The elements matrix.html.j2 writes (and the tbody a browser adds);
#: anything else was injected.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "span", "table",
    "tbody", "tr", "th", "td", "code", "a", "details", "summary", "dl", "dt", "dd", "em", "br",
    "div",
}  # fmt: skip


@functools.cache
def base_model(*categories: str) -> dict[str, Any]:
    """A model as the pipeline makes it, with every observed value an attack."""
    cat = catalogue.load()
    all_targets = targets.load(TARGETS_FILE)
    chosen = [all_targets["linux-x86_64-gnu"], all_targets["windows-x86_64"]]
    probes = cat.select(categories)
    observations = []
    for i, probe in enumerate(probes):
        for t in chosen:
            for backend in ("native", "python"):
                how = How(probe.kind, "native", HOSTILE, backend)
                outcome = list(Outcome)[i % len(Outcome)]
                value = PAYLOADS[i % len(PAYLOADS)] if outcome is Outcome.OK else None
                observations.append(
                    Observation(
                        probe.id, Column(t.identifier, backend), how, outcome, value, HOSTILE
                    )
                )
    cells = compare.judge_all(cat, all_targets, observations)
    model = report.assemble(
        catalogue=cat, targets=chosen, cells=cells, runs={}, host=HOSTILE, zig=HOSTILE
    )
    report.validate(model)
    return model


def fresh(*categories: str) -> dict[str, Any]:
    """A copy of base_model that a test may change."""
    return json.loads(json.dumps(base_model(*categories)))


def poison(node: Any, payload: str, key: str = "") -> Any:
    """Every free string (and every key of `sources`) with `payload` appended, consistently."""
    if isinstance(node, dict):
        return {
            (poison(k, payload) if key == "sources" else k): poison(v, payload, k)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [poison(v, payload, key) for v in node]
    if isinstance(node, str) and key not in ENUMS:
        if key == "url":  # still https and without spaces, as the schema demands
            return (node or "https://ci.invalid/run") + URL_ATTACK
        return node + payload
    return node


@pytest.fixture(scope="module")
def hostile() -> dict[str, Any]:
    model = poison(fresh(), HOSTILE)
    report.validate(model)
    return model


class Elements(HTMLParser):
    """Every element and attribute of a page, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs += [(k, v or "") for k, v in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.tags.add("<!--")


def assert_no_injection(page: str) -> Elements:
    found = Elements()
    found.feed(page)
    assert found.tags <= ALLOWED_TAGS, found.tags - ALLOWED_TAGS
    for name, value in found.attrs:
        assert not name.startswith("on"), (name, value)
        assert name in {"lang", "charset", "name", "content", "id", "class", "title", "href",
                        "colspan"}, name  # fmt: skip
        if name == "href":
            assert value.startswith(("https://", "#")), value
    return found


def test_html_keeps_hostile_text_as_text(hostile):
    page = write.html(hostile)
    found = assert_no_injection(page)
    text = "".join(found.text)
    assert "<script>document.title='PWNED'</script>" in text  # shown, not run
    assert "\x00" not in page and "\x1b" not in page
    assert "\\u001b[31mred" in text  # control characters are made visible
    assert "\\u202etxt.exe" in text  # and so is a bidirectional override


def test_markdown_tables_keep_their_columns(hostile):
    md = write.markdown(hostile)
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    assert not [t for t in tokens if t.type in {"html_block", "html_inline"}]
    for child in (c for t in tokens if t.children for c in t.children):
        assert child.type not in {"html_inline", "link_open", "image"}, child
    widths, row = [], 0
    for t in tokens:
        if t.type == "tr_open":
            row = 0
        elif t.type in {"th_open", "td_open"}:
            row += 1
        elif t.type == "tr_close":
            widths.append(row)
        elif t.type == "table_close":
            assert len(set(widths)) == 1, widths
            widths = []
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    # The text survives as written: an entity in a value is not decoded.
    assert "&amp;#60;b&amp;#62;" in rendered and "&lt;script&gt;document" in rendered
    tables = [t for t in tokens if t.type == "table_open"]
    assert len(tables) == 1 + len(hostile["categories"])
    for line in md.splitlines():
        assert "\r" not in line and "\x00" not in line


def test_markdown_rows_have_the_header_width_by_pipes(hostile):
    md = write.markdown(hostile)
    for block in md.split("\n\n"):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        if rows:
            assert len({_cells(r) for r in rows}) == 1, rows[:3]


def _cells(row: str) -> int:
    """Cells of a GFM table row: pipes not escaped by a backslash, less the outer ones."""
    count, i = 0, 0
    while i < len(row):
        if row[i] == "\\":
            i += 2
            continue
        count += row[i] == "|"
        i += 1
    return count - 1


def test_json_stays_valid_and_round_trips(hostile, tmp_path):
    path = tmp_path / "matrix.json"
    write.write_json(hostile, path)
    again = json.loads(path.read_text("utf-8"))
    assert again == hostile
    report.validate(again)


def test_lone_surrogates_do_not_break_the_writers(tmp_path):
    model = poison(fresh(), "\ud800 broken \udfff")
    paths = write.write_all(model, tmp_path)
    for path in paths.values():
        path.read_bytes().decode("utf-8")  # strict: the files are valid UTF-8
    assert json.loads(paths["json"].read_text())["host"].endswith("? broken ?")


@settings(max_examples=30, deadline=None)
@given(payload=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40))
def test_fuzz_any_text_stays_text(payload):
    model = poison(fresh("signals", "tz"), payload)
    report.validate(model)
    assert_no_injection(write.html(model))
    md = write.markdown(model)
    for block in md.split("\n\n"):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        if rows:
            assert len({_cells(r) for r in rows}) == 1
    json.loads(json.dumps(model, ensure_ascii=False))


# Results files from elsewhere ------------------------------------------------


def report_on(tmp_path: Path, data: str | bytes, capsys) -> tuple[int, str]:
    path = tmp_path / "matrix.json"
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, "utf-8")
    code = cli.main(["report", "-o", str(tmp_path)])
    return code, capsys.readouterr().err


def test_report_renders_a_hostile_but_valid_file_safely(tmp_path, capsys, hostile):
    code, err = report_on(tmp_path, json.dumps(hostile), capsys)
    assert code in (0, 1), err  # 1: the attack values deviate from the documentation
    assert "Traceback" not in err
    assert_no_injection((tmp_path / "matrix.html").read_text("utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m["sources"][next(iter(m["sources"]))].update(url="javascript:alert(1)"),
         "at sources/"),
        (lambda m: m["origins"][0].update(url="javascript:alert(1)"), "at origins/0/url"),
        (lambda m: m["cells"][0].update(status="<script>"), "at cells/0/status"),
        (lambda m: m["summary"].update({"<b>pwned</b>": 1}), "at summary"),
        (lambda m: m.update(version=1), "schema version 1, this portmatrix reads version"),
        (lambda m: m["cells"][0].update(value=[1, 2]), "at cells/0/value"),
        (lambda m: m["probes"][0].update(check={"kind": "macro"}), "at probes/0/check"),
        (lambda m: m["probes"][0]["expectations"].append({}), "at probes/0/expectations"),
        (lambda m: m.pop("cells"), "'cells' is a required property"),
    ],
)  # fmt: skip
def test_report_refuses_files_that_do_not_fit_the_schema(tmp_path, capsys, change, message):
    model = fresh("signals", "tz")
    change(model)
    code, err = report_on(tmp_path, json.dumps(model), capsys)
    assert code == 2, err
    assert f"{tmp_path / 'matrix.json'}: " in err and message in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "matrix.html").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "not JSON (line 1, column 2"),
        (b"\xff\xfe{}", "not UTF-8 text (byte 0)"),
        ("[]", "not a portmatrix results file"),
        ("", "not JSON (line 1, column 1"),
    ],
)
def test_report_refuses_files_that_are_not_a_matrix(tmp_path, capsys, data, message):
    code, err = report_on(tmp_path, data, capsys)
    assert code == 2 and message in err, err


def test_report_without_a_file_says_what_to_run(tmp_path, capsys):
    code = cli.main(["report", "-o", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 2
    assert "matrix.json not found; run `python -m matrix conformance` first" in err
