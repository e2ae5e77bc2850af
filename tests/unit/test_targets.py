"""targets.yaml: the shipped file loads; bad files fail with file, line and fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from matrix import targets
from matrix.errors import ConfigError

from ..conftest import TARGETS_FILE

FACTS = targets.ZigFacts(
    libc_triples=frozenset(
        {
            "x86_64-linux-gnu",
            "aarch64-linux-gnu",
            "x86_64-linux-musl",
            "x86_64-macos-none",
            "x86_64-windows-gnu",
        }
    ),
    glibc_versions=frozenset({(2, 17), (2, 28), (2, 39)}),
)

GOOD = """\
version: 1
targets:
  linux-x86_64-gnu:
    triple: x86_64-linux-gnu.2.17
    os: linux
    arch: x86_64
    libc: glibc
    floor: "2.17"
    runners: [native, qemu]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_shipped_targets_load():
    loaded = targets.load(TARGETS_FILE)
    assert list(loaded) == [
        "linux-x86_64-gnu",
        "linux-aarch64-gnu",
        "linux-x86_64-musl",
        "linux-aarch64-musl",
        "macos-x86_64",
        "macos-arm64",
        "windows-x86_64",
        "windows-arm64",
    ]
    assert loaded["macos-arm64"].triple == "aarch64-macos.11.0"
    assert loaded["linux-x86_64-gnu"].floor_version == (2, 17)


def test_a_ninth_target_needs_no_code(tmp_path):
    extra = (
        GOOD
        + """\
  linux-x86_64-gnu-new:
    triple: x86_64-linux-gnu.2.28
    os: linux
    arch: x86_64
    libc: glibc
    floor: "2.28"
    runners: [native]
"""
    )
    loaded = targets.load(write(tmp_path, extra), FACTS)
    assert loaded["linux-x86_64-gnu-new"].floor_version == (2, 28)


@pytest.mark.parametrize(
    ("old", "new", "line", "message", "fix"),
    [
        (
            "    runners: [native, qemu]",
            "    runner: [native]",
            9,
            "unknown key 'runner'",
            "did you mean 'runners'?",
        ),
        ("    os: linux", "    os: linus", 5, "'linus' is not allowed", "did you mean 'linux'?"),
        (
            "triple: x86_64-linux-gnu.2.17",
            "triple: x86_64_linux",
            4,
            "is not arch-os",
            "x86_64-linux-gnu.2.17",
        ),
        (
            "triple: x86_64-linux-gnu.2.17",
            "triple: aarch64-linux-gnu.2.17",
            4,
            "triple is for aarch64, arch says x86_64",
            "agree",
        ),
        ('floor: "2.17"', 'floor: "2.28"', 8, "floor 2.28 but the triple says 2.17", "agree"),
        ('floor: "2.17"', "floor: 2.17", 8, "must be a string", "quote the value"),
        (
            "runners: [native, qemu]",
            "runners: [native, wine]",
            9,
            "runner 'wine' cannot run linux binaries",
            "native, ci, qemu, docker",
        ),
        (
            "triple: x86_64-linux-gnu.2.17",
            "triple: x86_64-linux-gnu",
            4,
            "triple has no version",
            "x86_64-linux-gnu.2.17",
        ),
        ("libc: glibc", "libc: libsystem", 7, "libsystem is not a libc of linux", "glibc or musl"),
    ],
)
def test_bad_targets_name_file_line_and_fix(tmp_path, old, new, line, message, fix):
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ConfigError) as info:
        targets.load(path, FACTS)
    text = str(info.value)
    assert f"{path}:{line}:" in text
    assert message in text
    assert fix in text


def test_duplicate_identifier(tmp_path):
    path = write(tmp_path, GOOD + GOOD.split("targets:\n", 1)[1])
    with pytest.raises(
        ConfigError,
        match=r"targets.yaml:10: 'linux-x86_64-gnu' is defined twice; the first one is at line 3",
    ):
        targets.load(path, FACTS)


def test_yaml_syntax_error(tmp_path):
    path = write(tmp_path, GOOD.replace("    os: linux", "    os: [linux"))
    with pytest.raises(ConfigError, match=r"targets.yaml:\d+: YAML syntax error"):
        targets.load(path, FACTS)


def test_unknown_zig_triple_and_floor(tmp_path):
    text = GOOD.replace("x86_64-linux-gnu.2.17", "x86_64-linux-gnu.2.5").replace('"2.17"', '"2.5"')
    with pytest.raises(ConfigError, match="zig cannot build for glibc 2.5") as info:
        targets.load(write(tmp_path, text), FACTS)
    assert "from 2.17 to 2.39" in str(info.value)


def test_select_unknown_target_suggests():
    loaded = targets.load(TARGETS_FILE)
    with pytest.raises(ConfigError, match="did you mean 'windows-arm64'"):
        targets.select(loaded, ["windows-arm"])
