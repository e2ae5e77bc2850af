"""The hatchling build hook: compile the native core with zig and put it in the wheel.

hatchling loads this file by path, not as part of the `matrix` package, so it
imports `matrix` absolutely; the backend's `backend-path` has put the project
root on sys.path.  What it builds is decided by `matrix.wheels.choose`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

from matrix import platforms
from matrix.wheels import choose, tags

__all__ = ["CoreBuildHook"]

#: Where the library sits in the installed package; matrix/core/native.py looks there.
LIBRARY_DIR = "matrix/core/_native"
#: The harness's inputs outside the package, copied into every wheel so that an
#: installed harness builds like a checkout (matrix/build/core.py, matrix/targets.py).
SOURCES = {"native": "matrix/_sources/native", "targets.yaml": "matrix/_sources/targets.yaml"}


class CoreBuildHook(BuildHookInterface):
    PLUGIN_NAME = "portmatrix-core"

    def dependencies(self) -> list[str]:
        """zig and the targets.yaml loader, where this build may compile a core."""
        if not choose.may_build(choose.Request.from_environment(), platforms.host()):
            return []
        return choose.toolchain_requirements(Path(self.root))

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        request = choose.Request.from_environment()
        library, target, reason = self._library(request)
        if version != "editable":
            for source, destination in SOURCES.items():
                build_data["force_include"][str(Path(self.root) / source)] = destination
        if library is None:
            self.app.display_warning(
                f"portmatrix: no native core in this wheel: {reason}. "
                "It installs and runs on the pure-Python fallbacks "
                "(`python -m matrix.core --info` says which backend is in use)."
            )
            build_data["pure_python"] = True
            build_data["tag"] = tags.PURE_TAG
            return
        if version == "editable":
            # An editable install imports the project folder itself.
            folder = Path(self.root) / LIBRARY_DIR
            folder.mkdir(exist_ok=True)
            shutil.copyfile(library, folder / library.name)
            return
        build_data["pure_python"] = False
        build_data["tag"] = tags.wheel_tag(target.wheel_tag)
        build_data["force_include"][str(library)] = f"{LIBRARY_DIR}/{library.name}"

    def _library(self, request: choose.Request) -> tuple[Path | None, Any, str]:
        """Build the requested core: (library, target, "") or (None, None, why not)."""
        host = platforms.host()
        if request.target == choose.NONE:
            return None, None, choose.choose(request, {}, host, Path("targets.yaml")).reason
        if not choose.may_build(request, host):
            return None, None, f"portmatrix has no target for this host ({host})"
        try:
            from matrix import targets, toolchain
            from matrix.build.core import build_core
        except ImportError as exc:
            return self._cannot(request, f"the build environment lacks {exc.name}")
        root = Path(self.root)
        where = root / "targets.yaml"
        choice = choose.choose(request, targets.load(where), host, where)
        if choice.target is None:
            return None, None, choice.reason
        try:
            zig = toolchain.find()
        except toolchain.ToolchainError as exc:
            return self._cannot(request, str(exc))
        out = request.build_dir or root / "build"
        core = build_core(zig, choice.target, out.resolve(), native=root / "native")
        if not core.ok:
            return self._cannot(request, f"zig failed for {choice.target.identifier}: {core.error}")
        how = "reused" if core.cached else f"built in {core.seconds:.1f} s"
        self.app.display_info(
            f"portmatrix: native core for {choice.target.describe()} {how}: {core.library}"
        )
        return core.library, choice.target, ""

    def _cannot(self, request: choose.Request, reason: str) -> tuple[None, None, str]:
        if request.explicit:
            raise RuntimeError(f"portmatrix: cannot build the wheel for {request.target}: {reason}")
        return None, None, reason
