"""C ABI facts as ctypes, mmap and sys see them."""

from __future__ import annotations

import ctypes
import mmap
import sys

from . import fallback


@fallback("abi.sizeof_long_runtime")
def sizeof_long() -> tuple[object, str]:
    return ctypes.sizeof(ctypes.c_long), "ctypes.sizeof(ctypes.c_long)"


@fallback("abi.sizeof_pointer_runtime")
def sizeof_pointer() -> tuple[object, str]:
    return ctypes.sizeof(ctypes.c_void_p), "ctypes.sizeof(ctypes.c_void_p)"


@fallback("abi.page_size")
def page_size() -> tuple[object, str]:
    return mmap.PAGESIZE, "mmap.PAGESIZE"


@fallback("abi.byte_order")
def byte_order() -> tuple[object, str]:
    return sys.byteorder, "sys.byteorder"


@fallback("abi.allocation_granularity")
def allocation_granularity() -> tuple[object, str]:
    return mmap.ALLOCATIONGRANULARITY, "mmap.ALLOCATIONGRANULARITY"
