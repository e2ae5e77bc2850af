"""Missing or broken runners and toolchain: one clear line each, 'not run' cells, exit 0.

The platform is faked here (PATH, the wine64 location, the ziglang package);
tests/integration/test_broken_setups.py does the same with real broken
set-ups through the command line.
"""

from __future__ import annotations

import importlib.util
import os
import stat
import sys
from pathlib import Path

import pytest

from matrix import cli, platforms, run, toolchain
from matrix.errors import ToolchainError
from matrix.run import qemu, wine
from matrix.targets import Target

from ..conftest import TARGETS_FILE

HOST = platforms.Host("linux", "x86_64", "glibc")
ARM = Target("arm", "aarch64-linux-musl", "linux", "aarch64", "musl", "1.2", ("native", "qemu"))
ARM_GNU = Target(
    "arm-gnu", "aarch64-linux-gnu.2.17", "linux", "aarch64", "glibc", "2.17", ("native", "qemu")
)
WIN = Target("win", "x86_64-windows-gnu", "windows", "x86_64", "mingw", "10", ("native", "wine"))
DOCKER = Target("box", "x86_64-linux-musl", "linux", "x86_64", "musl", "1.2", ("docker",))


@pytest.fixture
def empty_path(monkeypatch, tmp_path):
    """A PATH with nothing on it, and no wine64 at Debian's place either."""
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(wine, "DEBIAN_WINE64", tmp_path / "no-wine64")


def test_no_qemu(empty_path):
    avail = qemu.QemuRunner().check(ARM, HOST)
    assert not avail.ok
    assert avail.explain() == "qemu-aarch64 not found; install it with: apt-get install qemu-user"


def test_no_glibc_sysroot_for_qemu(monkeypatch, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "qemu-aarch64"
    fake.write_text(f"#!{sys.executable}\nprint('qemu-aarch64 version 0')\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(qemu, "sysroot", lambda arch: tmp_path / arch)
    avail = qemu.QemuRunner().check(ARM_GNU, HOST)
    assert avail.explain() == (
        f"no aarch64 glibc at {tmp_path / 'aarch64'}; install it with: "
        "apt-get install libc6-arm64-cross"
    )
    assert qemu.QemuRunner().check(ARM, HOST).ok  # musl is static: no sysroot needed


def test_no_wine(empty_path, tmp_path):
    avail = wine.WineRunner(tmp_path / "prefix").check(WIN, HOST)
    assert avail.explain() == "wine64 not found; install it with: apt-get install wine64"


def test_wine_prefix_that_is_a_file(tmp_path, monkeypatch):
    monkeypatch.setattr(wine, "_wine64", lambda: "/usr/bin/true")
    prefix = tmp_path / "wine-prefix"
    prefix.write_text("not a folder")
    avail = wine.WineRunner(prefix).check(WIN, HOST)
    assert not avail.ok
    assert avail.reason.startswith(f"wine prefix {prefix} cannot be used: ")
    assert "remove it" in avail.hint


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to chown")
def test_wine_prefix_of_another_user(tmp_path, monkeypatch):
    monkeypatch.setattr(wine, "_wine64", lambda: "/usr/bin/true")
    prefix = tmp_path / "wine-prefix"
    prefix.mkdir()
    os.chown(prefix, 65534, 65534)
    avail = wine.WineRunner(prefix).check(WIN, HOST)
    assert avail.reason == (
        f"wine prefix {prefix} belongs to user 65534, and wine runs only in a prefix of its own user"
    )


def test_missing_runners_give_one_line_each(empty_path, tmp_path):
    runners = run.registry(tmp_path)
    lines = run.missing([ARM, ARM_GNU, WIN, DOCKER], HOST, runners)
    assert lines == [
        "qemu: qemu-aarch64 not found; install it with: apt-get install qemu-user; "
        "without it arm, arm-gnu get build-time cells only",
        "wine: wine64 not found; install it with: apt-get install wine64; "
        "without it win gets build-time cells only",
    ]


def test_a_runner_that_is_not_here_says_why(tmp_path):
    runner, _, reason = run.choose(DOCKER, HOST, run.registry(tmp_path))
    assert runner is None
    assert reason.startswith("docker: ")


def fake_ziglang(root: Path, version: str | None) -> Path:
    """A ziglang package whose zig prints `version` (or none at all)."""
    package = root / "ziglang"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    if version is not None:
        zig = package / "zig"
        zig.write_text(f"#!{sys.executable}\nprint({version!r})\n")
        zig.chmod(zig.stat().st_mode | stat.S_IXUSR)
    return root


@pytest.fixture
def use_ziglang(monkeypatch):
    def use(root: Path | None) -> None:
        monkeypatch.delitem(sys.modules, "ziglang", raising=False)
        if root is None:
            monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
        else:
            monkeypatch.syspath_prepend(str(root))

    return use


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (None, "zig not found: the ziglang package is not installed; install it with: "),
        ("0.16.0", "zig 0.16.0 found, portmatrix needs 0.17.0; install it with: "),
        ("", "failed: "),
    ],
)
def test_zig_missing_or_of_the_wrong_version(tmp_path, use_ziglang, version, message):
    use_ziglang(fake_ziglang(tmp_path, version) if version is not None else None)
    with pytest.raises(ToolchainError) as info:
        toolchain.find()
    assert message in str(info.value)
    assert "pip install ziglang==0.17.0" in str(info.value)


def test_zig_binary_missing_from_the_package(tmp_path, use_ziglang):
    use_ziglang(fake_ziglang(tmp_path, None))
    with pytest.raises(ToolchainError, match=r"zig not found at .*ziglang.zig; reinstall"):
        toolchain.find()


def test_matrix_without_zig_exits_0_with_not_run_cells(tmp_path, use_ziglang, capsys):
    use_ziglang(None)
    out = tmp_path / "reports"
    argv = ["matrix", "--targets-file", str(TARGETS_FILE), "-o", str(out), "-p", "abi"]
    argv += ["--build-dir", str(tmp_path / "build"), "--cache-dir", str(tmp_path / "cache")]
    assert cli.main([*argv, "--no-python"]) == 0
    err = capsys.readouterr().err
    assert "warning: zig not found: the ziglang package is not installed; install it with:" in err
    cells = __import__("json").loads((out / "matrix.json").read_text())["cells"]
    assert cells and {c["status"] for c in cells} == {"not run"}
    assert all("ziglang" in c["detail"] for c in cells)


def test_timeout_option_reaches_the_plan():
    args = cli._parser().parse_args(["matrix", "--timeout", "3.5", "--test-probes"])
    options = cli._options(args)
    assert (options.timeout, options.test_probes) == (3.5, True)
