"""Loading YAML data files with schema validation and line-accurate errors.

Every data file of portmatrix (targets.yaml, the probe catalogue) goes through
`load`: it parses with ruamel.yaml, which keeps line numbers and rejects
duplicate keys, validates against a JSON Schema, and turns each violation into
a `Problem` naming file, line and fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .errors import ConfigError, Problem, did_you_mean

__all__ = ["Document", "load", "plain", "schema"]


@cache
def schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema `name` shipped in matrix/schemas."""
    text = resources.files("matrix.schemas").joinpath(name).read_text("utf-8")
    return json.loads(text)


class Document:
    """A parsed YAML file that can say on which line any part of it stands."""

    def __init__(self, path: Path, data: Any) -> None:
        self.path = path
        self.data = data

    def line(self, where: Sequence[str | int]) -> int | None:
        """1-based line of the node at `where` (keys and indexes), or its parent's."""
        node, line = self.data, None
        for step in where:
            if isinstance(node, CommentedMap) and step in node:
                line = node.lc.key(step)[0] + 1
                node = node[step]
            elif isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
                line = node.lc.item(step)[0] + 1
                node = node[step]
            else:
                break
        if line is None and hasattr(self.data, "lc"):
            line = self.data.lc.line + 1
        return line

    def problem(self, where: Sequence[str | int], message: str, fix: str = "") -> Problem:
        return Problem(self.path, self.line(where), message, fix)


def load(path: Path, schema_name: str) -> Document:
    """Parse `path` and validate it against `schema_name`; raise ConfigError."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError([Problem(path, None, f"cannot read: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text (byte {exc.start})"
        raise ConfigError([Problem(path, None, msg, "save the file as UTF-8")]) from None
    doc = Document(path, _parse(path, text))
    problems = list(_validate(doc, schema(schema_name)))
    if problems:
        raise ConfigError(problems)
    return doc


def _parse(path: Path, text: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        key = _duplicate_key(exc)
        raise ConfigError(
            [Problem(path, line, f"duplicate key {key}", "give each entry its own name")]
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = f"YAML syntax error: {exc.problem or exc.context}"
        fix = "check indentation, quotes and colons on this line and the one above"
        raise ConfigError([Problem(path, line, message, fix)]) from None
    except YAMLError as exc:
        raise ConfigError([Problem(path, None, f"YAML error: {exc}")]) from None


def _duplicate_key(exc: DuplicateKeyError) -> str:
    problem = str(exc.problem or "")
    start = problem.find('"')
    return problem[start:] if start >= 0 else "(see line)"


def _validate(doc: Document, schema_: dict[str, Any]) -> Iterator[Problem]:
    validator = jsonschema.Draft202012Validator(schema_)
    errors = sorted(validator.iter_errors(plain(doc.data)), key=lambda e: list(map(str, e.path)))
    for error in errors:
        yield _describe(doc, error)


def plain(node: Any) -> Any:
    """ruamel's containers and scalars as plain JSON-like Python values."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


def _describe(doc: Document, error: jsonschema.ValidationError) -> Problem:
    where = list(error.absolute_path)
    name = ".".join(str(p) for p in where) or "the top level"
    match error.validator:
        case "additionalProperties":
            allowed = list(error.schema.get("properties", {}))
            extra = [k for k in error.instance if k not in allowed]
            key = extra[0] if extra else "?"
            hint = did_you_mean(key, allowed) or f"allowed keys: {', '.join(allowed)}"
            return doc.problem(where + [key], f"unknown key '{key}' in {name}", hint)
        case "required":
            missing = error.message.split("'")[1] if "'" in error.message else "?"
            return doc.problem(where, f"{name} is missing '{missing}'", f"add '{missing}:'")
        case "enum":
            choices = [str(c) for c in error.validator_value]
            hint = did_you_mean(error.instance, choices) or f"use one of: {', '.join(choices)}"
            return doc.problem(where, f"{name}: '{error.instance}' is not allowed", hint)
        case "type":
            want = error.validator_value
            got = type(error.instance).__name__
            return doc.problem(where, f"{name} must be {_a(want)}, not {got}", _type_fix(want))
        case "const":
            want = error.validator_value
            return doc.problem(where, f"{name} must be {want!r}", f"write {name}: {want}")
        case "pattern":
            return doc.problem(
                where,
                f"{name}: {error.instance!r} does not match {error.validator_value}",
                "see the comment at the top of the file for the form",
            )
        case "uniqueItems":
            return doc.problem(where, f"{name} lists an item twice", "remove the repeated item")
        case "minItems" | "minProperties" | "minLength":
            return doc.problem(where, f"{name} is empty", "give at least one entry")
        case "propertyNames":
            return doc.problem(
                where,
                f"{name}: name {error.instance!r} is not allowed",
                "use lower-case letters, digits, '.', '_' and '-'",
            )
        case _:
            return doc.problem(where, f"{name}: {error.message}")


def _a(kind: Any) -> str:
    if isinstance(kind, list):
        return " or ".join(_a(k) for k in kind)
    words = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "integer": "an integer",
        "boolean": "true or false",
        "number": "a number",
    }
    return words.get(kind, str(kind))


def _type_fix(kind: Any) -> str:
    if kind == "string":
        return 'quote the value, e.g. "2.17"'
    if kind == "array":
        return "write a list, e.g. [a, b]"
    if kind == "object":
        return "write a mapping of keys to values"
    return f"write {_a(kind)}"
