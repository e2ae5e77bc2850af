"""Shared fixtures: the project's own files, and a real matrix run for integration tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from matrix import platforms, targets, toolchain

ROOT = Path(__file__).resolve().parents[1]
TARGETS_FILE = ROOT / "targets.yaml"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in item.path.parts:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def zig() -> toolchain.Zig:
    try:
        return toolchain.find()
    except toolchain.ToolchainError as exc:
        pytest.skip(f"zig unavailable: {exc}")


@pytest.fixture(scope="session")
def all_targets(zig: toolchain.Zig) -> dict[str, targets.Target]:
    return targets.load(TARGETS_FILE, zig.facts)


@pytest.fixture(scope="session")
def host() -> platforms.Host:
    return platforms.host()


def have(tool: str) -> bool:
    return shutil.which(tool) is not None
