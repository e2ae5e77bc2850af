"""The probes as a Python API: native core through ctypes, or pure Python.

    from matrix import core
    core.run("signals.sigusr1_raise")            # native when it loads
    core.run("tz.utc", backend="python")        # force the fallback

The backend is chosen by the `backend` argument, else the PORTMATRIX_BACKEND
environment variable (native, python or auto), else auto: native when the
shared library loads, the pure-Python fallback otherwise.  The library is
looked up in PORTMATRIX_NATIVE_LIB, then beside this package (where a wheel
puts it).
"""

from __future__ import annotations

import os
from typing import Any

from . import fallbacks
from .native import NativeLibrary, NativeUnavailable

__all__ = ["BACKENDS", "NativeUnavailable", "backend", "names", "run", "status"]

BACKENDS = ("auto", "native", "python")

_library: NativeLibrary | None = None


def _native() -> NativeLibrary:
    global _library
    if _library is None:
        _library = NativeLibrary.load()
    return _library


def backend(prefer: str | None = None) -> str:
    """Resolve 'auto' (or the environment's choice) to 'native' or 'python'."""
    choice = prefer or os.environ.get("PORTMATRIX_BACKEND", "auto")
    if choice not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {choice!r}")
    if choice != "auto":
        return choice
    try:
        _native()
    except NativeUnavailable:
        return "python"
    return "native"


def status(prefer: str | None = None) -> dict[str, Any]:
    """Which backend runs, the library it loaded, or why the native core did not load."""
    chosen = backend(prefer)
    try:
        library = str(_native().path)
        reason = ""
    except NativeUnavailable as exc:
        library, reason = None, str(exc)
    return {"backend": chosen, "library": library, "native_unavailable": reason}


def names(prefer: str | None = None) -> list[str]:
    """The probes the chosen backend implements."""
    if backend(prefer) == "native":
        return _native().names()
    return list(fallbacks.REGISTRY)


def run(name: str, prefer: str | None = None) -> dict[str, Any]:
    """Run one probe; returns {"probe", "value", "detail", "backend"}."""
    chosen = backend(prefer)
    result = _native().run(name) if chosen == "native" else fallbacks.run(name)
    result["backend"] = chosen
    return result
