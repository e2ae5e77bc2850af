"""The build caches invalidate when any part of their key changes, and only then."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from matrix import cache
from matrix.build import build_core, check, check_key, core_key
from matrix.build.core import NATIVE_DIR
from matrix.catalogue import BuildCheck, Probe


@pytest.fixture
def native(tmp_path):
    copy = tmp_path / "native"
    shutil.copytree(NATIVE_DIR, copy)
    return copy


def test_core_key_parts(all_targets, native):
    linux = all_targets["linux-x86_64-gnu"]
    base = core_key("0.17.0", linux, native)
    assert core_key("0.17.0", linux, native) == base
    assert core_key("0.17.1", linux, native) != base
    assert (
        core_key("0.17.0", replace(linux, floor="2.28", triple="x86_64-linux-gnu.2.28"), native)
        != base
    )


def test_one_c_file_rebuilds_only_its_platform(zig, all_targets, native, tmp_path):
    out = tmp_path / "build"
    linux, windows = all_targets["linux-x86_64-musl"], all_targets["windows-x86_64"]
    first = [build_core(zig, t, out, native) for t in (linux, windows)]
    assert all(b.ok and not b.cached for b in first)
    again = [build_core(zig, t, out, native) for t in (linux, windows)]
    assert all(b.cached for b in again)
    win_os = native / "src" / "win" / "os.c"
    win_os.write_text(win_os.read_text() + "\n/* a change */\n")
    after = {t.identifier: build_core(zig, t, out, native) for t in (linux, windows)}
    assert after["linux-x86_64-musl"].cached
    assert after["windows-x86_64"].ok and not after["windows-x86_64"].cached


def test_a_shared_file_rebuilds_every_target(zig, all_targets, native, tmp_path):
    out = tmp_path / "build"
    linux = all_targets["linux-x86_64-musl"]
    assert build_core(zig, linux, out, native).ok
    core = native / "src" / "core.c"
    core.write_text(core.read_text() + "\n/* a change */\n")
    rebuilt = build_core(zig, linux, out, native)
    assert rebuilt.ok and not rebuilt.cached


def test_check_cache_key_and_reuse(zig, all_targets, tmp_path):
    target = all_targets["linux-x86_64-gnu"]
    build = BuildCheck(kind="expr", subject="sizeof(long)")
    probe = Probe("abi.test_sizeof_long", "abi", "t", "w", (), build=build)
    results = cache.ResultCache(tmp_path / "results")
    first = check(zig, target, probe, results)
    assert (first.value, first.seconds > 0) == (8, True)
    again = check(zig, target, probe, results)
    assert (again.value, again.seconds) == (8, 0.0)  # answered from the cache
    k = check_key(zig.version, target, build)
    assert check_key("0.18.0", target, build) != k
    assert check_key(zig.version, replace(target, floor="2.28"), build) != k
    assert check_key(zig.version, target, replace(build, defines=("_GNU_SOURCE",))) != k
    fresh = check(zig, target, probe, cache.ResultCache(tmp_path / "results", fresh=True))
    assert fresh.value == 8 and fresh.seconds > 0
