"""Loading the native core's shared library with ctypes."""

from __future__ import annotations

import ctypes
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["LIBRARY_NAMES", "NativeLibrary", "NativeUnavailable"]

#: The shared library's file name on each platform (see matrix.platforms).
LIBRARY_NAMES = {"win32": "portprobe.dll", "darwin": "libportprobe.dylib"}
ABI_VERSION = 1


class NativeUnavailable(RuntimeError):
    """The native core is not built for, or does not load on, this platform."""


def _candidates() -> list[Path]:
    name = LIBRARY_NAMES.get(sys.platform, "libportprobe.so")
    paths = []
    if os.environ.get("PORTMATRIX_NATIVE_LIB"):
        paths.append(Path(os.environ["PORTMATRIX_NATIVE_LIB"]))
    paths.append(Path(__file__).resolve().parent / "_native" / name)
    return paths


class NativeLibrary:
    def __init__(self, lib: ctypes.CDLL, path: Path) -> None:
        self.path = path
        self._lib = lib
        lib.pp_abi_version.restype = ctypes.c_int
        lib.pp_probe_count.restype = ctypes.c_int
        lib.pp_probe_name.restype = ctypes.c_char_p
        lib.pp_probe_name.argtypes = [ctypes.c_int]
        lib.pp_probe_run.restype = ctypes.c_int
        lib.pp_probe_run.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
        if lib.pp_abi_version() != ABI_VERSION:
            raise NativeUnavailable(f"{path}: ABI {lib.pp_abi_version()}, expected {ABI_VERSION}")

    @classmethod
    def load(cls) -> NativeLibrary:
        tried = []
        for path in _candidates():
            if not path.exists():
                tried.append(f"{path} (missing)")
                continue
            try:
                return cls(ctypes.CDLL(str(path)), path)
            except (OSError, AttributeError) as exc:
                tried.append(f"{path} ({exc})")
        raise NativeUnavailable("native core not loaded: " + "; ".join(tried))

    def names(self) -> list[str]:
        count = self._lib.pp_probe_count()
        return [self._lib.pp_probe_name(i).decode("utf-8") for i in range(count)]

    def run(self, name: str) -> dict[str, Any]:
        buf = ctypes.create_string_buffer(4096)
        n = self._lib.pp_probe_run(name.encode("utf-8"), buf, len(buf))
        if n == -1:
            raise KeyError(name)
        if n < 0:
            raise RuntimeError(f"result of {name} does not fit the buffer")
        return json.loads(buf.value.decode("utf-8"))
