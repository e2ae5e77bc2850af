"""The probe catalogue: what each probe checks, expects and cites.

The catalogue is data (catalogue/data/*.yaml, one file per category, and
sources.yaml for the primary sources they cite), validated on load.  A probe
with a `build` check is decided by compiling for the target; any other probe
is run on the target by the native core and, where Python can observe the
same thing, by the pure-Python fallback.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import cache, config
from ..errors import ConfigError, Problem, did_you_mean
from ..targets import Target, parse_version

__all__ = [
    "BUILD_KINDS",
    "BuildCheck",
    "Catalogue",
    "Context",
    "DATA_DIR",
    "Expectation",
    "Probe",
    "Source",
    "load",
]

DATA_DIR = Path(__file__).parent / "data"

#: What a build-time probe can check, in the order the schema lists them.
BUILD_KINDS = ("header", "function", "macro", "type", "member", "expr")

Value = int | str | bool


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    url: str
    kind: str
    says: str = ""


@dataclass(frozen=True)
class Context:
    """Where a cell was observed: the target, the backend, the environment."""

    target: Target
    backend: str = "native"
    environment: str = ""
    python: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Expectation:
    when: Mapping[str, str]
    cite: tuple[str, ...]
    value: Value | None = None
    one_of: tuple[Value, ...] = ()
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    note: str = ""

    def applies(self, ctx: Context) -> bool:
        """True when every condition of `when` holds for the cell's context."""
        return all(_holds(key, want, ctx) for key, want in self.when.items())

    def accepts(self, value: Value | None) -> bool:
        if value is None:
            return False
        if self.value is not None and not _same(value, self.value):
            return False
        if self.one_of and not any(_same(value, v) for v in self.one_of):
            return False
        if self.min is not None or self.max is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return False
            if self.min is not None and value < self.min:
                return False
            if self.max is not None and value > self.max:
                return False
        return self.pattern is None or re.fullmatch(self.pattern, str(value)) is not None

    def describe(self) -> str:
        """The expected value as a reader sees it: '10', 'one of a, b', '≤ 0.001'."""
        parts = []
        if self.value is not None:
            parts.append(_show(self.value))
        if self.one_of:
            parts.append("one of " + ", ".join(_show(v) for v in self.one_of))
        if self.min is not None:
            parts.append(f"≥ {self.min:g}")
        if self.max is not None:
            parts.append(f"≤ {self.max:g}")
        if self.pattern is not None:
            parts.append(f"matches /{self.pattern}/")
        return "; ".join(parts)


@dataclass(frozen=True)
class BuildCheck:
    """What a build-time probe compiles: exactly one of the subject fields."""

    kind: str  # header | function | macro | type | member | expr
    subject: str
    headers: tuple[str, ...] = ()
    defines: tuple[str, ...] = ()
    libs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    id: str
    category: str
    title: str
    why: str
    expectations: tuple[Expectation, ...]
    build: BuildCheck | None = None
    timeout: float | None = None
    test_only: bool = False
    file: Path | None = None
    line: int | None = None

    @property
    def kind(self) -> str:
        return "build" if self.build else "run"

    def expectation(self, ctx: Context) -> Expectation | None:
        """The first expectation whose conditions hold, or None (undocumented)."""
        return next((e for e in self.expectations if e.applies(ctx)), None)


@dataclass(frozen=True)
class Catalogue:
    probes: dict[str, Probe]
    sources: dict[str, Source]
    categories: dict[str, str]  # id -> title, in file order

    def select(self, names: Iterable[str] = (), *, test_only: bool = False) -> list[Probe]:
        """Probes named (by id or category), all of them when none is named."""
        wanted = list(names)
        for name in wanted:
            if name not in self.probes and name not in self.categories:
                hint = did_you_mean(name, [*self.probes, *self.categories])
                raise ConfigError(
                    [
                        Problem(
                            Path("--probe"),
                            None,
                            f"no probe or category '{name}'",
                            hint or "`python -m matrix probes` lists them",
                        )
                    ]
                )
        chosen = [p for p in self.probes.values() if test_only or not p.test_only]
        if wanted:
            chosen = [p for p in chosen if p.id in wanted or p.category in wanted]
        return chosen


def load(data_dir: Path = DATA_DIR, memo: Path | None = None) -> Catalogue:
    """Read every category file and sources.yaml; raise ConfigError on any problem.

    With `memo` (a folder), a catalogue read before from the same bytes by
    the same code is taken from there: parsing with line numbers and
    validating is most of an unchanged rerun's time.  Only a catalogue that
    loaded without problems is kept, so every problem is still found.
    """
    if memo is None or not data_dir.is_dir():
        return _load(data_dir)
    stored = memo / f"{_memo_key(data_dir)}.pickle"
    try:
        found = pickle.loads(stored.read_bytes())
        if isinstance(found, Catalogue):
            return found
    except (OSError, pickle.PickleError, EOFError, AttributeError, TypeError, ValueError):
        pass
    loaded = _load(data_dir)
    cache.write_atomic(stored, pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL))
    return loaded


def _memo_key(data_dir: Path) -> str:
    """A hash of the catalogue's files and of the code and schemas that read them."""
    code = Path(__file__).resolve().parent.parent
    inputs = [
        *sorted(data_dir.glob("*.yaml")),
        Path(__file__).resolve(),
        code / "config.py",
        code / "targets.py",
        *sorted((code / "schemas").glob("*.json")),
    ]
    return cache.key(*((p.name, cache.file_digest(p)) for p in inputs))


def _load(data_dir: Path) -> Catalogue:
    if not data_dir.is_dir():
        raise ConfigError(
            [
                Problem(
                    data_dir,
                    None,
                    "catalogue folder not found",
                    "pass --catalogue a folder holding sources.yaml and one YAML file per category",
                )
            ]
        )
    sources_doc = config.load(data_dir / "sources.yaml", "sources.schema.json")
    sources = {
        str(k): Source(key=str(k), **{f: str(v[f]) for f in v})
        for k, v in sources_doc.data["sources"].items()
    }
    probes, categories, problems = {}, {}, []
    for path in sorted(data_dir.glob("*.yaml")):
        if path.name == "sources.yaml":
            continue
        try:
            doc = config.load(path, "catalogue.schema.json")
        except ConfigError as exc:
            problems += exc.problems
            continue
        category = str(doc.data["category"])
        categories[category] = str(doc.data["title"])
        for i, entry in enumerate(doc.data["probes"]):
            found = list(_check(doc, i, entry, category, sources, probes))
            problems += found
            if not found:
                probe = _probe(doc, i, entry, category)
                probes[probe.id] = probe
    if problems:
        raise ConfigError(problems)
    return Catalogue(probes, sources, categories)


def _check(doc, i, entry, category, sources, seen) -> Iterable[Problem]:
    at = ["probes", i]
    pid = str(entry["id"])
    if pid.split(".")[0] != category:
        yield doc.problem(
            at + ["id"],
            f"probe '{pid}' is in the file of category '{category}'",
            f"name it '{category}.{pid.split('.', 1)[-1]}' or move it",
        )
    if pid in seen:
        other = seen[pid]
        yield doc.problem(
            at + ["id"],
            f"probe '{pid}' is defined twice",
            f"the other one is at {other.file.name}:{other.line}; rename one",
        )
    for j, exp in enumerate(entry["expect"]):
        for k, key in enumerate(exp["cite"]):
            if str(key) not in sources:
                hint = did_you_mean(str(key), sources) or "add it to sources.yaml"
                yield doc.problem(
                    at + ["expect", j, "cite", k],
                    f"probe '{pid}' cites unknown source '{key}'",
                    hint,
                )
        if "pattern" in exp:
            try:
                re.compile(str(exp["pattern"]))
            except re.error as exc:
                yield doc.problem(
                    at + ["expect", j, "pattern"],
                    f"probe '{pid}': bad pattern: {exc}",
                    "write a Python regular expression",
                )


def _probe(doc: config.Document, i: int, entry: dict, category: str) -> Probe:
    plain = config.plain(entry)
    build = None
    if "build" in plain:
        b = plain["build"]
        kind = next(k for k in BUILD_KINDS if k in b)
        build = BuildCheck(
            kind=kind,
            subject=b[kind],
            headers=tuple(b.get("headers", ())),
            defines=tuple(b.get("defines", ())),
            libs={os_: tuple(v) for os_, v in b.get("libs", {}).items()},
        )
    return Probe(
        id=plain["id"],
        category=category,
        title=plain["title"],
        why=" ".join(plain["why"].split()),
        expectations=tuple(_expectation(e) for e in plain["expect"]),
        build=build,
        timeout=plain.get("timeout"),
        test_only=plain.get("test_only", False),
        file=doc.path,
        line=doc.line(["probes", i]),
    )


def _expectation(e: dict[str, Any]) -> Expectation:
    return Expectation(
        when=dict(e["when"]),
        cite=tuple(e["cite"]),
        value=e.get("value"),
        one_of=tuple(e.get("one_of", ())),
        min=e.get("min"),
        max=e.get("max"),
        pattern=e.get("pattern"),
        note=" ".join(str(e.get("note", "")).split()),
    )


def _holds(key: str, want: str, ctx: Context) -> bool:
    t = ctx.target
    match key:
        case "os" | "arch" | "libc":
            return getattr(t, key) == want
        case "floor_min":
            return t.floor_version >= parse_version(want)
        case "floor_below":
            return t.floor_version < parse_version(want)
        case "backend":
            return ctx.backend == want
        case "environment":
            return ctx.environment == want
        case "python_min":
            return ctx.python is not None and ctx.python >= parse_version(want)
        case "python_below":
            return ctx.python is not None and ctx.python < parse_version(want)
    raise ValueError(f"unknown condition {key!r}")  # the schema rules this out


def _same(a: Value, b: Value) -> bool:
    """Equality that keeps True apart from 1."""
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def _show(v: Value) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)
