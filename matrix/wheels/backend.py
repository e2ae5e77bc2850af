"""The PEP 517 build backend of portmatrix: hatchling, plus portmatrix's config settings.

    pip wheel . --config-settings target=macos-arm64
    python -m build --wheel -C target=windows-x86_64 -C build-dir=/tmp/cores

Each config setting sets the environment variable of the same meaning
(`target` = PORTMATRIX_WHEEL_TARGET, `build-dir` = PORTMATRIX_WHEEL_BUILD_DIR)
for the build hook (`matrix/wheels/hook.py`); hatchling does everything else.
A setting wins over the variable.
"""

from __future__ import annotations

import os
from typing import Any

from hatchling import build as _hatchling

from ..errors import did_you_mean
from .choose import BUILD_DIR_ENV, TARGET_ENV

__all__ = [
    "CONFIG_SETTINGS",
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
]

CONFIG_SETTINGS = {"target": TARGET_ENV, "build-dir": BUILD_DIR_ENV}

Settings = dict[str, Any] | None


def _apply(config_settings: Settings) -> None:
    for key, value in (config_settings or {}).items():
        if key not in CONFIG_SETTINGS:
            hint = did_you_mean(key, CONFIG_SETTINGS) or f"known: {', '.join(CONFIG_SETTINGS)}"
            raise ValueError(f"portmatrix: unknown config setting {key!r}; {hint}")
        os.environ[CONFIG_SETTINGS[key]] = value if isinstance(value, str) else value[-1]


def get_requires_for_build_wheel(config_settings: Settings = None) -> list[str]:
    _apply(config_settings)
    return _hatchling.get_requires_for_build_wheel()


def build_wheel(
    wheel_directory: str, config_settings: Settings = None, metadata_directory: str | None = None
) -> str:
    _apply(config_settings)
    return _hatchling.build_wheel(wheel_directory, metadata_directory=metadata_directory)


def get_requires_for_build_sdist(config_settings: Settings = None) -> list[str]:
    _apply(config_settings)
    return _hatchling.get_requires_for_build_sdist()


def build_sdist(sdist_directory: str, config_settings: Settings = None) -> str:
    _apply(config_settings)
    return _hatchling.build_sdist(sdist_directory)


def get_requires_for_build_editable(config_settings: Settings = None) -> list[str]:
    _apply(config_settings)
    return _hatchling.get_requires_for_build_editable()


def build_editable(
    wheel_directory: str, config_settings: Settings = None, metadata_directory: str | None = None
) -> str:
    _apply(config_settings)
    return _hatchling.build_editable(wheel_directory, metadata_directory=metadata_directory)
