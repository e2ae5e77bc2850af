"""Errors a user can act on, each class with its own exit code."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ConfigError",
    "MatrixError",
    "Problem",
    "ToolchainError",
    "did_you_mean",
]


class MatrixError(Exception):
    """Base of the errors that end a run with a message instead of a traceback."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a configuration file, and how to fix it."""

    file: Path
    line: int | None
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        text = f"{where}: {self.message}"
        return f"{text}\n    fix: {self.fix}" if self.fix else text


class ConfigError(MatrixError):
    """A configuration or data file is malformed; carries every problem found."""

    exit_code = 3

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ToolchainError(MatrixError):
    """zig is missing, of the wrong version, or failed in a way that is not a result."""

    exit_code = 4


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean 'x'?)' for the closest choice, or ''."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""
