"""The result model: what one probe gave in one column, and how it was got.

One model, many writers: the JSON, Markdown and HTML reports are all made
from these values (see matrix.report).
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Column", "How", "Observation", "Outcome", "Status", "Value"]

Value = int | str | bool


class Outcome(enum.StrEnum):
    """How getting a value went, before it is compared with any expectation."""

    OK = "ok"
    NOT_RUN = "not run"
    BUILD_FAILED = "build failed"
    CRASHED = "crashed"
    TIMED_OUT = "timed out"
    BAD_OUTPUT = "bad output"


class Status(enum.StrEnum):
    """A cell's verdict, as the report shows it."""

    AGREES = "agrees"
    DEVIATES = "deviates"
    UNDOCUMENTED = "undocumented"
    NOT_RUN = "not run"
    BUILD_FAILED = "build failed"
    CRASHED = "crashed"
    TIMED_OUT = "timed out"
    BAD_OUTPUT = "bad output"


@dataclass(frozen=True)
class How:
    """How a value was produced: by compiling, or by running under a runner."""

    kind: str  # build | run
    runner: str  # zig | native | qemu | wine | python | ...
    version: str = ""
    backend: str = "native"  # native | python
    environment: str = ""


@dataclass(frozen=True)
class Column:
    """One column of the matrix: a target, seen through a backend, in an environment."""

    target: str
    backend: str = "native"
    environment: str = ""

    @property
    def id(self) -> str:
        text = self.target + (f"@{self.environment}" if self.environment else "")
        return text + ("+python" if self.backend == "python" else "")


@dataclass(frozen=True)
class Observation:
    probe: str
    column: Column
    how: How
    outcome: Outcome = Outcome.OK
    value: Value | None = None
    detail: str = ""
    seconds: float = 0.0

    def serialize(self) -> dict[str, Any]:
        data = asdict(self)
        data["column"] = self.column.id
        data["outcome"] = self.outcome.value
        return data


@dataclass(frozen=True)
class Cell:
    """An observation judged against the catalogue."""

    observation: Observation
    status: Status
    expected: str = ""
    cite: tuple[str, ...] = ()
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
