"""Building for targets with zig: the native core, and the build-time probes."""

from .checks import check, check_key
from .core import CoreBuild, build_core, core_key, core_sources, native_probe_names

__all__ = [
    "CoreBuild",
    "build_core",
    "check",
    "check_key",
    "core_key",
    "core_sources",
    "native_probe_names",
]
