"""Real wheels built with zig through the PEP 517 backend, checked as a release would be."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from matrix import platforms
from matrix.wheels import checks, choose, release, tags

from ..conftest import ROOT

#: Foreign targets whose linkers embedded the output path before the core was
#: linked stripped and with a fixed install name: the rebuild test's witnesses.
FOREIGN = ("windows-x86_64", "macos-arm64")


@pytest.fixture(scope="module")
def wheel_targets(all_targets):
    return {k: t for k, t in all_targets.items() if t.wheel_tag}


@pytest.fixture(scope="module")
def host_target(wheel_targets):
    target = choose.for_host(wheel_targets, platforms.host())
    if target is None:
        pytest.skip(f"no target is this host ({platforms.host()})")
    return target


@pytest.fixture(scope="module")
def dirs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("wheels")


def _build(dirs: Path, target: str, name: str) -> Path:
    out = dirs / name
    return release.build("wheel", out, {"target": target, "build-dir": str(out / "cores")})


@pytest.fixture(scope="module")
def host_wheel(dirs, host_target) -> Path:
    return _build(dirs, host_target.identifier, "host")


@pytest.fixture(scope="module")
def foreign_wheels(dirs) -> dict[str, Path]:
    return {t: _build(dirs, t, f"first-{t}") for t in FOREIGN}


def _platform(wheel_targets, ident: str) -> tags.PlatformTag:
    return tags.parse(wheel_targets[ident].wheel_tag)


def test_name_wheel_tags_and_binary_agree(wheel_targets, host_target, host_wheel, foreign_wheels):
    for ident, path in {host_target.identifier: host_wheel, **foreign_wheels}.items():
        platform = _platform(wheel_targets, ident)
        assert path.name == f"portmatrix-0.1.0-py3-none-{platform.tag}.whl"
        found = [
            checks.check_name(path, tags.wheel_tag(platform.tag)),
            checks.check_wheel_file(path),
            checks.check_record(path),
            checks.check_binary(path, platform),
        ]
        assert [c for c in found if not c.ok] == [], ident


def test_a_wrong_tag_is_caught(dirs, host_target, host_wheel):
    """Retag the host wheel for the other architecture: every layer that can tell, does."""
    other = "aarch64" if host_target.arch == "x86_64" else "x86_64"
    lying = tags.expected(host_target.os, other, host_target.libc, host_target.floor)
    out = dirs / "retagged"
    out.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "wheel", "tags", "--platform-tag", lying, str(host_wheel)],
        cwd=out, capture_output=True, text=True, check=True,
    )  # fmt: skip
    retagged = host_wheel.parent / proc.stdout.strip().splitlines()[-1]
    shutil.move(retagged, out / retagged.name)
    retagged = out / retagged.name
    assert checks.check_name(retagged, tags.wheel_tag(lying)).ok
    binary = checks.check_binary(retagged, tags.parse(lying))
    assert not binary.ok
    assert f"{host_target.arch} binary in a {other} wheel" in binary.detail
    if host_target.os == "linux":
        assert not checks.check_auditwheel(retagged, tags.parse(lying), dirs / "empty").ok


def test_a_file_name_that_disagrees_with_WHEEL_is_caught(dirs, host_wheel):
    renamed = (
        dirs / "renamed" / host_wheel.name.replace(host_wheel.name.split("-")[-1], "win_amd64.whl")
    )
    renamed.parent.mkdir()
    shutil.copyfile(host_wheel, renamed)
    check = checks.check_wheel_file(renamed)
    assert not check.ok
    assert "the file name ['py3-none-win_amd64']" in check.detail


def test_rebuilds_are_byte_identical(dirs, host_target, host_wheel, foreign_wheels):
    """A second build from fresh core builds in another folder gives the same bytes."""
    for ident, first in {host_target.identifier: host_wheel, **foreign_wheels}.items():
        again = _build(dirs, ident, f"again-{ident}")
        assert again.name == first.name
        assert again.read_bytes() == first.read_bytes(), ident


def test_pip_takes_a_foreign_wheel_only_for_its_platform(dirs, wheel_targets, foreign_wheels):
    all_tags = [t.wheel_tag for t in wheel_targets.values()]
    for ident, path in foreign_wheels.items():
        platform = _platform(wheel_targets, ident)
        wrong = checks.wrong_platform(platform, all_tags)
        check = checks.check_pip(path, platform.tag, wrong, dirs / f"pip-{ident}")
        assert check.ok, check.detail


def test_the_host_wheel_runs_native_and_fallback(dirs, host_wheel):
    check = checks.check_runs(host_wheel, dirs / "run-host", native=True)
    assert check.ok, check.detail
    assert "probes native" in check.detail and "probes python" in check.detail


def test_without_a_core_the_wheel_is_pure_and_runs_on_the_fallbacks(dirs):
    path = _build(dirs, "none", "pure")
    assert path.name == "portmatrix-0.1.0-py3-none-any.whl"
    assert checks.check_binary(path, None).ok
    assert checks.check_wheel_file(path).ok
    check = checks.check_runs(path, dirs / "run-pure", native=False)
    assert check.ok, check.detail


def test_the_sdist_rebuilds_the_host_wheel(dirs, host_wheel):
    sdist = release.build("sdist", dirs / "sdist", {}, ROOT)
    artifact = release.check_sdist(sdist, host_wheel, dirs / "sdist-check")
    assert [c for c in artifact.checks if not c.ok] == []
    assert [c.name for c in artifact.checks] == ["metadata", "contents", "rebuild"]


def test_the_installed_harness_builds_from_the_wheel(dirs, host_target, host_wheel):
    """Installed, the wheel carries the C sources and targets.yaml the harness builds from."""
    site = dirs / "installed"
    install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site)]
    subprocess.run([*install, str(host_wheel)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import matrix; print(matrix.__file__)"],
        cwd=dirs, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert where.stdout.strip() == str(site / "matrix" / "__init__.py")
    out = dirs / "installed-build"
    proc = subprocess.run(
        [
            sys.executable, "-m", "matrix", "build", "-t", host_target.identifier,
            "-p", "abi", "--build-dir", str(out), "--cache-dir", str(dirs / "installed-cache"),
        ],
        cwd=dirs, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "1 of 1 cores built" in proc.stdout + proc.stderr
    library = out / host_target.identifier / platforms.POLICIES[host_target.os].shared_name
    assert library.stat().st_size > 0
