"""Pure-Python implementations of the run-time probes.

Each function observes, through the standard library, the same behaviour as
the native probe of the same name, and returns (value, detail).  They are
what `matrix.core` uses where the native core cannot load, and the matrix
compares them with the native results cell by cell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["REGISTRY", "fallback", "run"]

Result = tuple[Any, str]
REGISTRY: dict[str, Callable[[], Result]] = {}


def fallback(name: str) -> Callable[[Callable[[], Result]], Callable[[], Result]]:
    """Register the decorated function as the fallback of probe `name`."""

    def register(fn: Callable[[], Result]) -> Callable[[], Result]:
        if name in REGISTRY:
            raise ValueError(f"two fallbacks for {name}")
        REGISTRY[name] = fn
        return fn

    return register


def run(name: str) -> dict[str, Any]:
    value, detail = REGISTRY[name]()
    result = {"probe": name, "value": value}
    if detail:
        result["detail"] = detail
    return result


# Importing the category modules fills the registry.
from . import abi, dns, fs, process, signals, syscalls, tz  # noqa: E402,F401
