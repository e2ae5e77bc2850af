"""OS primitives: the random source Python can reach."""

from __future__ import annotations

import ctypes
import ctypes.util
import os

from . import fallback


def _getentropy() -> bool:
    """getentropy() from the C library, where it exists (macOS, newer libcs)."""
    path = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(path)
        fn = libc.getentropy
    except (OSError, AttributeError, TypeError):
        return False
    buf = ctypes.create_string_buffer(32)
    return fn(buf, ctypes.c_size_t(32)) == 0


def _bcrypt() -> bool:
    windll = getattr(ctypes, "windll", None)
    if windll is None:
        return False
    buf = ctypes.create_string_buffer(32)
    system_preferred_rng = 2
    return windll.bcrypt.BCryptGenRandom(None, buf, 32, system_preferred_rng) == 0


@fallback("syscalls.random_source")
def random_source() -> tuple[object, str]:
    if hasattr(os, "getrandom"):
        try:
            os.getrandom(32)
            return "getrandom", "32 bytes from os.getrandom"
        except OSError as exc:
            reason = f"os.getrandom failed: {exc}"
    else:
        reason = "no os.getrandom"
    if _bcrypt():
        return "BCryptGenRandom", "32 bytes from bcrypt.BCryptGenRandom"
    if _getentropy():
        return "getentropy", "32 bytes from libc getentropy"
    return "none", reason
