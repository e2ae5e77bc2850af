"""Container environments: declarations in targets.yaml, image recipes, container arguments."""

from __future__ import annotations

import io
import tarfile
import textwrap
from pathlib import Path

import pytest

from matrix import environments, targets
from matrix.errors import ConfigError
from matrix.run import docker, images

from ..conftest import TARGETS_FILE

GOOD = """\
version: 1
targets:
  linux-x86_64-musl:
    triple: x86_64-linux-musl
    os: linux
    arch: x86_64
    libc: musl
    floor: "1.2"
    runners: [native]
    environments: [scratch, slim]
  linux-x86_64-gnu:
    triple: x86_64-linux-gnu.2.17
    os: linux
    arch: x86_64
    libc: glibc
    floor: "2.17"
    runners: [native]
    environments: [slim]
environments:
  scratch:
    description: nothing but the program
    root: empty
    engine_files: hidden
  slim:
    description: Debian without tzdata
    root: debootstrap
    tmpfs: [/tmp]
    python: /usr/bin/python3
    debootstrap:
      suite: bookworm
      arch: x86_64
      include: [python3]
      exclude: [tzdata]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_shipped_environments_load():
    loaded, envs = targets.load_all(TARGETS_FILE)
    assert list(envs) == ["scratch", "debian-minimal"]
    assert (envs["scratch"].root, envs["scratch"].engine_files) == ("empty", "hidden")
    boot = envs["debian-minimal"].debootstrap
    assert boot is not None
    assert (boot.suite, boot.variant, boot.exclude) == ("bookworm", "minbase", ("tzdata",))
    assert loaded["linux-x86_64-musl"].environments == ("scratch", "debian-minimal")
    assert loaded["linux-aarch64-musl"].environments == ("scratch",)
    assert envs["debian-minimal"].runs_python_for("x86_64", "glibc")
    assert not envs["debian-minimal"].runs_python_for("x86_64", "musl")


@pytest.mark.parametrize(
    ("old", "new", "line", "message", "fix"),
    [
        (
            "environments: [scratch, slim]",
            "environments: [scratch, slimm]",
            10,
            "no environment 'slimm'",
            "did you mean 'slim'?",
        ),
        (
            "    engine_files: hidden",
            "    engine_file: hidden",
            23,
            "unknown key 'engine_file'",
            "did you mean 'engine_files'?",
        ),
        (
            "    root: empty",
            "    root: nothing",
            22,
            "'nothing' is not allowed",
            "empty, debootstrap",
        ),
        (
            "    engine_files: hidden",
            "    engine_files: hidden\n    python: /usr/bin/python3",
            24,
            "an empty root has no Python interpreter",
            "remove 'python:'",
        ),
        (
            "environments: [slim]",
            "environments: [scratch]",
            18,
            "glibc programs are linked dynamically",
            "musl (static) target",
        ),
        ("      exclude: [tzdata]", "      exclude: [python3]", 33, "both included", "one of"),
        ("      arch: x86_64", "      arch: amd64", 31, "'amd64' is not allowed", "x86_64"),
        ("    tmpfs: [/tmp]", "    tmpfs: [tmp]", 27, "does not match", "the comment"),
    ],
)
def test_bad_environments_name_file_line_and_fix(tmp_path, old, new, line, message, fix):
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        targets.load_all(path)
    text = str(info.value)
    assert f"{path}:{line}:" in text
    assert message in text
    assert fix in text


def test_debootstrap_root_needs_its_recipe(tmp_path):
    text = GOOD.split("    debootstrap:\n")[0]
    with pytest.raises(
        ConfigError, match=r"targets.yaml:26: .*needs a 'debootstrap:' mapping"
    ) as info:
        targets.load_all(write(tmp_path, text))
    assert len(info.value.problems) == 1


def test_glibc_of_another_architecture_needs_its_own_root(tmp_path):
    text = GOOD.replace(
        "    triple: x86_64-linux-gnu.2.17\n    os: linux\n    arch: x86_64",
        ("    triple: aarch64-linux-gnu.2.17\n    os: linux\n    arch: aarch64"),
    )
    with pytest.raises(ConfigError, match="the x86_64 root of 'slim' has no aarch64 glibc"):
        targets.load_all(write(tmp_path, text))


def test_environments_are_for_linux_targets(tmp_path):
    text = GOOD.replace(
        "os: linux\n    arch: x86_64\n    libc: musl",
        "os: windows\n    arch: x86_64\n    libc: mingw",
    ).replace("triple: x86_64-linux-musl", "triple: x86_64-windows-gnu")
    with pytest.raises(ConfigError, match="is a Linux container; the target is windows"):
        targets.load_all(write(tmp_path, text))


def _envs(tmp_path: Path) -> dict[str, environments.Environment]:
    return targets.load_all(write(tmp_path, GOOD))[1]


def test_an_empty_root_is_byte_for_byte_stable(tmp_path):
    envs = _envs(tmp_path)
    hidden = images._empty_root(envs["scratch"])
    assert hidden == images._empty_root(envs["scratch"])
    with tarfile.open(fileobj=io.BytesIO(hidden)) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == [
        ".portmatrix",
        ".portmatrix/root",
        ".portmatrix/root/.portmatrix",
    ]
    assert all(m.isdir() and m.mtime == 0 for m in members)
    kept = environments.Environment("bare", "kept engine files", "empty")
    assert images._empty_root(kept) != hidden


def test_debootstrap_arguments(tmp_path):
    env = _envs(tmp_path)["slim"]
    args = images._debootstrap_args(env, Path("/w/tree"))
    assert args == [
        "debootstrap",
        "--variant=minbase",
        "--arch=amd64",
        "--include=python3",
        "--exclude=tzdata",
        "bookworm",
        "/w/tree",
    ]
    boot = env.debootstrap
    assert boot is not None
    mirrored = environments.Environment(
        env.name,
        env.description,
        env.root,
        debootstrap=type(boot)(**{**boot.__dict__, "mirror": "file:///m"}),
    )
    assert images._debootstrap_args(mirrored, Path("/w"))[-1] == "file:///m"


def test_container_arguments_for_a_hidden_root_under_qemu(tmp_path):
    env = _envs(tmp_path)["scratch"]
    args = docker.run_args(
        env,
        "aarch64",
        "native",
        image="img:1",
        label="portmatrix.run=x",
        program=Path("/b/portprobe"),
        qemu=Path("/q/qemu-aarch64-static"),
        launcher=Path("/c/enter"),
    )
    for flag in ("--rm", "--read-only", "--network none", "--cap-drop ALL", "--cap-add SYS_CHROOT"):
        assert flag in " ".join(args)
    assert "/b/portprobe:/.portmatrix/root/.portmatrix/portprobe:ro" in args
    assert "/q/qemu-aarch64-static:/.portmatrix/root/.portmatrix/qemu-aarch64:ro" in args
    assert "/c/enter:/.portmatrix/enter:ro" in args
    image = args.index("img:1")
    assert args[image + 1 :] == [
        "/.portmatrix/enter",
        "/.portmatrix/root",
        "/.portmatrix/qemu-aarch64",
        "/.portmatrix/portprobe",
    ]


def test_container_arguments_for_python_in_a_kept_root(tmp_path):
    env = _envs(tmp_path)["slim"]
    args = docker.run_args(env, "x86_64", "python", image="img:2", label="portmatrix.run=y")
    assert "SYS_CHROOT" not in args
    assert args[args.index("--tmpfs") + 1] == "/tmp"
    assert f"{docker.CORE_PACKAGE}:/.portmatrix/python/matrix/core:ro" in args
    assert "PYTHONPATH=/.portmatrix/python" in args
    image = args.index("img:2")
    assert args[image + 1 :] == [
        "/usr/bin/python3",
        "-s",
        "-m",
        "matrix.core",
        "--backend",
        "python",
    ]
