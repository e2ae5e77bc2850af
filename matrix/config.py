"""Loading YAML data files with schema validation and line-accurate errors.

Every data file of portmatrix (targets.yaml, the probe catalogue) goes through
`load`: it parses with ruamel.yaml, which keeps line numbers and rejects
duplicate keys, validates against a JSON Schema, and turns each violation into
a `Problem` naming file, line and fix.
"""

from __future__ import annotations

import json
import re
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
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import ConfigError, Problem, did_you_mean

__all__ = ["Document", "load", "plain", "schema"]


@cache
def schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema `name` shipped in matrix/schemas."""
    text = resources.files("matrix.schemas").joinpath(name).read_text("utf-8")
    return json.loads(text)


class Document:
    """A parsed YAML file that can say on which line any part of it stands."""

    def __init__(self, path: Path, data: Any, first_line: int = 1) -> None:
        self.path = path
        self.data = data
        #: Where the content starts, for problems of a document with no
        #: line numbers of its own (empty, or one bare scalar).
        self.first_line = first_line

    def line(self, where: Sequence[str | int]) -> int:
        """1-based line of the node at `where` (keys and indexes), or its parent's."""
        node, line = self.data, _line_of(self.data)
        for step in where:
            key = _key_in(node, step) if isinstance(node, CommentedMap) else _MISSING
            if key is not _MISSING:
                line = _zero_based(node.lc.key(key)) or line
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
                line = _zero_based(node.lc.item(step)) or line
                node = node[step]
            else:
                break
        return line or self.first_line

    def problem(self, where: Sequence[str | int], message: str, fix: str = "") -> Problem:
        return Problem(self.path, self.line(where), message, fix)


def _line_of(node: Any) -> int | None:
    """The 1-based line where a container starts, if ruamel kept it."""
    start = getattr(getattr(node, "lc", None), "line", None)
    return start + 1 if isinstance(start, int) else None


def _zero_based(position: Any) -> int | None:
    """Line of a ruamel (line, column) pair, 1-based; None when there is none."""
    if isinstance(position, tuple | list) and position and isinstance(position[0], int):
        return position[0] + 1
    return None


_MISSING = object()


def _key_in(node: CommentedMap, step: str | int) -> Any:
    """The key of `node` that `step` names; keys that are not strings match their text."""
    if step in node:
        return step
    return next((k for k in node if str(k) == str(step)), _MISSING)


def load(path: Path, schema_name: str) -> Document:
    """Parse `path` and validate it against `schema_name`; raise ConfigError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        fix = "check the path" + (", or pass another file" if path.name == "targets.yaml" else "")
        raise ConfigError([Problem(path, None, f"cannot read: {exc.strerror}", fix)]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = f"not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x})"
        raise ConfigError([Problem(path, line, msg, "save the file as UTF-8")]) from None
    doc = Document(path, _parse(path, text), _first_content_line(text))
    try:
        problems = list(_validate(doc, schema(schema_name), schema_name))
    except RecursionError:
        problems = [
            Problem(
                path,
                doc.first_line,
                "an alias refers to the list or mapping that contains it",
                "replace the recursive *alias with the values themselves",
            )
        ]
    if problems:
        raise ConfigError(problems)
    return doc


def _first_content_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            return number
    return 1


def _parse(path: Path, text: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except RecursionError:
        raise ConfigError(
            [Problem(path, 1, "nested too deeply to read", "flatten the lists and mappings")]
        ) from None
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        key = _duplicate_key(exc)
        first = _first_line_of_key(text, key, line)
        where = f"; the first one is at line {first}" if first else ""
        raise ConfigError(
            [
                Problem(
                    path,
                    line,
                    f"'{key}' is defined twice{where}",
                    "give each entry its own name, or remove one",
                )
            ]
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if re.search(r"end of stream|<stream end>", str(exc.problem)) and exc.context_mark:
            # Something left open: where it was opened helps, the end does not.
            mark = exc.context_mark
        line = mark.line + 1 if mark else 1
        message = f"YAML syntax error: {exc.problem or exc.context}"
        fix = "check indentation, quotes and colons on this line and the one above"
        raise ConfigError([Problem(path, line, message, fix)]) from None
    except (YAMLError, ValueError, TypeError) as exc:
        # ruamel raises plain errors, without a line, for scalars that do not
        # fit an explicit tag (`!!int xyz`, a 13th month).
        line = _bad_scalar_line(text) or 1
        fix = "correct the value, or remove its !! tag"
        raise ConfigError([Problem(path, line, f"YAML error: {exc}", fix)]) from None


def _bad_scalar_line(text: str) -> int | None:
    """The line of the first scalar that cannot be constructed, found node by node."""
    yaml = YAML(typ="rt")
    try:
        root = yaml.compose(text)
    except (YAMLError, ValueError, TypeError, RecursionError):
        return None
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            try:
                yaml.constructor.construct_object(node, deep=True)
            except (YAMLError, ValueError, TypeError):
                return node.start_mark.line + 1
        elif isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, MappingNode):
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
    return None


def _duplicate_key(exc: DuplicateKeyError) -> str:
    """The key's name from ruamel's message: found duplicate key "NAME" with value …"""
    m = re.search(r'duplicate key "(.*?)" with value', str(exc.problem or ""), re.S)
    return m.group(1) if m else "a key"


def _first_line_of_key(text: str, key: str, duplicate_line: int | None) -> int | None:
    pattern = re.compile(r"^\s*(?:- )?[\"']?" + re.escape(key) + r"[\"']?\s*:")
    for number, line in enumerate(text.splitlines(), 1):
        if duplicate_line is not None and number >= duplicate_line:
            break
        if pattern.match(line):
            return number
    return None


def _validate(doc: Document, schema_: dict[str, Any], schema_name: str) -> Iterator[Problem]:
    yield from _non_string_keys(doc, doc.data, [])
    validator = jsonschema.Draft202012Validator(schema_)
    errors = sorted(validator.iter_errors(plain(doc.data)), key=lambda e: list(map(str, e.path)))
    for error in errors:
        yield _describe(doc, error, schema_name)


def _non_string_keys(doc: Document, node: Any, where: list[str | int]) -> Iterator[Problem]:
    """Keys YAML read as numbers, booleans or null: plain() would turn them into text."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                yield doc.problem(
                    [*where, str(key)],
                    f"key {key!r} is {_kind(key)}, not a name",
                    f'quote it: "{key}"'
                    if isinstance(key, int | float)
                    else "use a plain name as the key",
                )
            yield from _non_string_keys(doc, value, [*where, str(key)])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _non_string_keys(doc, value, [*where, i])


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


def _describe(doc: Document, error: jsonschema.ValidationError, schema_name: str) -> Problem:
    where = list(error.absolute_path)
    name = ".".join(str(p) for p in where) or "the top level"
    if "propertyNames" in error.schema_path:
        return doc.problem(
            [*where, error.instance],
            f"{name}: name {error.instance!r} is not allowed",
            "use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit",
        )
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
            got = _kind(error.instance)
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
        case "oneOf" | "anyOf":
            return _alternatives(doc, where, name, error)
        case "exclusiveMinimum" | "minimum":
            return doc.problem(
                where,
                f"{name} must be more than {error.validator_value}, not {error.instance}",
                "write a positive number of seconds, e.g. 5",
            )
        case _:
            return doc.problem(
                where,
                f"{name}: {error.message}",
                f"see matrix/schemas/{schema_name} for what {name} may hold",
            )


def _alternatives(
    doc: Document, where: list[str | int], name: str, error: jsonschema.ValidationError
) -> Problem:
    """A mapping that needs one (oneOf: exactly one) of several keys."""
    keys = [r for s in error.validator_value for r in s.get("required", [])]
    have = [k for k in keys if isinstance(error.instance, dict) and k in error.instance]
    listed = ", ".join(keys)
    if error.validator == "oneOf" and len(have) > 1:
        return doc.problem(
            where, f"{name} has {', '.join(have)}: only one is allowed", f"keep one of {listed}"
        )
    return doc.problem(where, f"{name} needs one of {listed}", f"add one of {listed}")


def _kind(value: Any) -> str:
    """What a YAML value is, in the words the messages use."""
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


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
