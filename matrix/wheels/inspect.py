"""What a native library says about itself: format, architecture, floor, what it links.

Parsing is lief's; this module only reads the few facts a wheel check needs,
in portmatrix's vocabulary, from ELF, Mach-O and PE alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..platforms import normalize_arch

__all__ = ["BinaryFacts", "InspectError", "inspect"]

_GLIBC_VERSION = re.compile(r"^GLIBC_(\d+(?:\.\d+)*)$")


class InspectError(ValueError):
    """The bytes are not a shared library lief can read."""


@dataclass(frozen=True)
class BinaryFacts:
    format: str  # elf | macho | pe
    arch: str  # x86_64 | aarch64, as in targets.yaml
    libraries: tuple[str, ...]
    exports: frozenset[str]
    #: Mach-O: LC_BUILD_VERSION minos; PE: the subsystem version; ELF: None.
    min_os: tuple[int, ...] | None = None
    #: ELF: the newest GLIBC_x.y symbol version required; None without any.
    glibc: tuple[int, ...] | None = None


def inspect(data: bytes) -> BinaryFacts:
    """Read a shared library's facts from its bytes."""
    import lief

    lief.logging.disable()
    binary = lief.parse(list(data))
    if binary is None:
        raise InspectError("not an ELF, Mach-O or PE file")
    if isinstance(binary, lief.ELF.Binary):
        return _elf(binary)
    if isinstance(binary, lief.MachO.Binary):
        return _macho(binary)
    if isinstance(binary, lief.PE.Binary):
        return _pe(binary)
    raise InspectError(f"unsupported format {binary.format}")


def _arch(enum_value: object) -> str:
    return normalize_arch(str(enum_value).rsplit(".", 1)[-1])


def _elf(binary) -> BinaryFacts:
    versions = [
        tuple(int(p) for p in m[1].split("."))
        for req in binary.symbols_version_requirement
        for aux in req.get_auxiliary_symbols()
        if (m := _GLIBC_VERSION.match(aux.name))
    ]
    return BinaryFacts(
        format="elf",
        arch=_arch(binary.header.machine_type),
        libraries=tuple(binary.libraries),
        exports=frozenset(f.name for f in binary.exported_functions),
        glibc=max(versions) if versions else None,
    )


def _macho(binary) -> BinaryFacts:
    import lief

    build = binary.build_version
    # LC_ID_DYLIB names the library itself; only the LC_LOAD_* commands are links.
    linked = [
        lib for lib in binary.libraries if lib.command != lief.MachO.LoadCommand.TYPE.ID_DYLIB
    ]
    return BinaryFacts(
        format="macho",
        arch=_arch(binary.header.cpu_type),
        libraries=tuple(lib.name for lib in linked),
        # Mach-O C symbols carry a leading underscore.
        exports=frozenset(s.name.removeprefix("_") for s in binary.exported_symbols),
        min_os=tuple(build.minos) if build else None,
    )


def _pe(binary) -> BinaryFacts:
    header = binary.optional_header
    return BinaryFacts(
        format="pe",
        arch=_arch(binary.header.machine),
        libraries=tuple(i.name for i in binary.imports),
        exports=frozenset(e.name for e in binary.exported_functions),
        min_os=(header.major_subsystem_version, header.minor_subsystem_version),
    )
