"""Wheel tags, the build's choice of native core, and the fallback when the core is absent."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest

from matrix import core, targets
from matrix.core import native
from matrix.errors import ConfigError
from matrix.platforms import Host
from matrix.wheels import choose, tags

from ..conftest import ROOT, TARGETS_FILE

TAGS = {
    "linux-x86_64-gnu": "manylinux_2_17_x86_64",
    "linux-aarch64-gnu": "manylinux_2_17_aarch64",
    "linux-x86_64-musl": "musllinux_1_2_x86_64",
    "linux-aarch64-musl": "musllinux_1_2_aarch64",
    "macos-x86_64": "macosx_11_0_x86_64",
    "macos-arm64": "macosx_11_0_arm64",
    "windows-x86_64": "win_amd64",
    "windows-arm64": "win_arm64",
}

TARGET = """\
version: 1
targets:
  t:
    triple: {triple}
    os: {os}
    arch: {arch}
    libc: {libc}
    floor: "{floor}"
    runners: [ci]
    wheel_tag: {tag}
"""


@pytest.fixture(scope="module")
def shipped() -> dict[str, targets.Target]:
    return targets.load(TARGETS_FILE)


def test_every_target_has_the_tag_of_its_platform(shipped):
    assert {t.identifier: t.wheel_tag for t in shipped.values()} == TAGS
    for t in shipped.values():
        facts = tags.parse(t.wheel_tag)
        assert (facts.os, facts.arch, facts.libc) == (t.os, t.arch, t.libc)
        assert tags.expected(t.os, t.arch, t.libc, t.floor) == t.wheel_tag
        assert tags.wheel_tag(t.wheel_tag) == f"py3-none-{t.wheel_tag}"


@pytest.mark.parametrize(
    ("tag", "floor"),
    [
        ("manylinux_2_17_x86_64", (2, 17)),
        ("musllinux_1_2_aarch64", (1, 2)),
        ("macosx_11_0_arm64", (11, 0)),
        ("win_arm64", None),
    ],
)
def test_parse_reads_the_floor(tag, floor):
    assert tags.parse(tag).floor == floor


def test_parse_rejects_unknown_forms():
    with pytest.raises(tags.TagError, match="unknown wheel platform tag 'linux_x86_64'"):
        tags.parse("linux_x86_64")


@pytest.mark.parametrize(
    ("facts", "tag", "message"),
    [
        (
            ("x86_64-linux-gnu.2.17", "linux", "x86_64", "glibc", "2.17"),
            "manylinux_2_28_x86_64",
            "promises glibc 2.28, the floor is 2.17",
        ),
        (
            ("aarch64-windows-gnu", "windows", "aarch64", "mingw", "10"),
            "win_amd64",
            "is for windows/x86_64/mingw, the target is windows/aarch64/mingw",
        ),
        (
            ("x86_64-linux-musl", "linux", "x86_64", "musl", "1.2"),
            "manylinux_1_2_x86_64",
            "is for linux/x86_64/glibc, the target is linux/x86_64/musl",
        ),
        (
            ("aarch64-macos.11.0", "macos", "aarch64", "libsystem", "11.0"),
            "macosx_11_arm64",
            "unknown wheel platform tag",
        ),
    ],
)
def test_a_wrong_wheel_tag_names_line_and_fix(tmp_path, facts, tag, message):
    triple, os_, arch, libc, floor = facts
    path = tmp_path / "targets.yaml"
    text = TARGET.format(triple=triple, os=os_, arch=arch, libc=libc, floor=floor, tag=tag)
    path.write_text(textwrap.dedent(text))
    with pytest.raises(ConfigError) as info:
        targets.load(path)
    (problem,) = info.value.problems
    assert problem.line == 10
    assert message in problem.message
    assert problem.fix == f"write {tags.expected(os_, arch, libc, floor)}"


@pytest.mark.parametrize(
    ("host", "target"),
    [
        (Host("linux", "x86_64", "glibc"), "linux-x86_64-gnu"),
        (Host("linux", "aarch64", "musl"), "linux-aarch64-musl"),
        (Host("macos", "aarch64", "libsystem"), "macos-arm64"),
        (Host("windows", "x86_64", "mingw"), "windows-x86_64"),
    ],
)
def test_host_builds_its_own_target(shipped, host, target):
    choice = choose.choose(choose.Request(), shipped, host, TARGETS_FILE)
    assert choice.target.identifier == target
    assert choose.may_build(choose.Request(), host)


def test_a_host_no_target_describes_gets_the_fallbacks(shipped):
    host = Host("freebsd14", "x86_64", "unknown")
    assert not choose.may_build(choose.Request(), host)
    riscv = Host("linux", "riscv64", "glibc")
    choice = choose.choose(choose.Request(), shipped, riscv, TARGETS_FILE)
    assert choice.target is None
    assert "no target in targets.yaml with a wheel_tag is this host (linux-riscv64-glibc)" in (
        choice.reason
    )


def test_a_foreign_target_is_built_on_any_host(shipped):
    host = Host("freebsd14", "x86_64", "unknown")
    request = choose.Request("windows-arm64")
    assert request.explicit and choose.may_build(request, host)
    assert choose.choose(request, shipped, host, TARGETS_FILE).target.wheel_tag == "win_arm64"


def test_an_unknown_target_says_did_you_mean(shipped):
    with pytest.raises(ConfigError, match="did you mean 'macos-arm64'"):
        choose.choose(
            choose.Request("macos-arm65"), shipped, Host("linux", "x86_64", "glibc"), TARGETS_FILE
        )


def test_request_from_environment():
    env = {choose.TARGET_ENV: " none ", choose.BUILD_DIR_ENV: "/tmp/cores"}
    request = choose.Request.from_environment(env)
    assert request == choose.Request("none", Path("/tmp/cores"))
    assert not request.explicit
    assert choose.Request.from_environment({}) == choose.Request("host", None)


def test_toolchain_pins_come_from_requirements():
    pins = choose.toolchain_requirements(ROOT)
    assert [p.split("==")[0] for p in pins] == ["ziglang", "ruamel.yaml", "jsonschema"]
    assert pins[0].startswith("ziglang==0.17.0")


def test_backend_rejects_an_unknown_config_setting():
    from matrix.wheels import backend

    with pytest.raises(ValueError, match="unknown config setting 'targt'; did you mean 'target'"):
        backend.get_requires_for_build_wheel({"targt": "host"})


def test_cibuildwheel_builds_each_target_once():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["cibuildwheel"]
    assert config["build"] == "cp311-*"
    chosen = {o["select"]: o["environment"][choose.TARGET_ENV] for o in config["overrides"]}
    assert sorted(chosen.values()) == sorted(TAGS)
    for select, target in chosen.items():
        platform = select.removeprefix("*-")
        wheel_tag = TAGS[target]
        if platform.startswith(("manylinux", "musllinux")):
            prefix, arch = platform.split("_", 1)
            assert wheel_tag.startswith(prefix) and wheel_tag.endswith(arch), select
        else:
            assert wheel_tag.endswith(platform.split("_", 1)[1]), select


def test_without_the_library_the_fallbacks_run(monkeypatch, tmp_path):
    missing = tmp_path / "libportprobe.so"
    monkeypatch.setattr(native, "_candidates", lambda: [missing])
    monkeypatch.setattr(core, "_library", None)
    monkeypatch.delenv("PORTMATRIX_BACKEND", raising=False)
    assert core.backend() == "python"
    status = core.status()
    assert status["library"] is None
    assert f"{missing} (missing)" in status["native_unavailable"]
    result = core.run("abi.byte_order")
    assert result["backend"] == "python"
    assert result["value"] in ("little", "big")
    with pytest.raises(native.NativeUnavailable):
        core.run("abi.byte_order", prefer="native")
