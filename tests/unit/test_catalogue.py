"""The catalogue: it loads, every expectation cites a known source, matching works."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from matrix import catalogue
from matrix.build import native_probe_names
from matrix.core import fallbacks
from matrix.errors import ConfigError
from matrix.targets import Target

LINUX_217 = Target("l", "x86_64-linux-gnu.2.17", "linux", "x86_64", "glibc", "2.17", ("native",))
LINUX_228 = Target("l2", "x86_64-linux-gnu.2.28", "linux", "x86_64", "glibc", "2.28", ("native",))
MAC = Target("m", "aarch64-macos.11.0", "macos", "aarch64", "libsystem", "11.0", ("ci",))


@pytest.fixture(scope="module")
def cat() -> catalogue.Catalogue:
    return catalogue.load()


def test_first_set_covers_the_breaks(cat):
    assert len(cat.probes) >= 15
    kinds = {p.kind for p in cat.probes.values()}
    assert kinds == {"build", "run"}
    assert {"signals", "dns", "tz", "syscalls", "abi"} <= set(cat.categories)


def test_every_expectation_cites_a_source(cat):
    for probe in cat.probes.values():
        # The test-only probes exist to misbehave and document nothing.
        assert probe.expectations or probe.test_only, probe.id
        for exp in probe.expectations:
            assert exp.cite and all(k in cat.sources for k in exp.cite), probe.id


def test_run_probes_exist_natively_and_in_python(cat):
    native = set(native_probe_names())
    run_probes = {p.id for p in cat.probes.values() if p.kind == "run" and not p.test_only}
    assert run_probes <= native
    assert native - {p.id for p in cat.probes.values()} == set()
    assert set(fallbacks.REGISTRY) <= run_probes


def test_floor_boundaries(cat):
    probe = cat.probes["syscalls.getrandom"]
    assert probe.expectation(catalogue.Context(LINUX_217)).value == "unavailable"
    assert probe.expectation(catalogue.Context(LINUX_228)).value == "available"
    assert probe.expectation(catalogue.Context(MAC)).value == "unavailable"


def test_backend_specific_expectation(cat):
    win = Target("w", "x86_64-windows-gnu", "windows", "x86_64", "mingw", "10", ("wine",))
    probe = cat.probes["tz.utc"]
    assert probe.expectation(catalogue.Context(win, "python")).value == "ZoneInfoNotFoundError"
    assert probe.expectation(catalogue.Context(win, "native")).value == 0


def test_matchers():
    exp = catalogue.Expectation(when={}, cite=("x",), one_of=(4096, 16384))
    assert exp.accepts(16384) and not exp.accepts(8192) and not exp.accepts(None)
    assert catalogue.Expectation(when={}, cite=("x",), max=0.001).accepts(0.0001)
    assert not catalogue.Expectation(when={}, cite=("x",), value=1).accepts(True)


def test_unknown_source_is_an_error(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(catalogue.DATA_DIR, data)
    path = data / "fs.yaml"
    path.write_text(path.read_text().replace("cite: [msvc-rename", "cite: [msvc-renam"))
    with pytest.raises(
        ConfigError,
        match=r"fs.yaml:\d+: probe 'fs.rename_replaces' cites "
        r"unknown source 'msvc-renam'",
    ) as info:
        catalogue.load(data)
    assert "did you mean 'msvc-rename'?" in str(info.value)


def test_select_by_category(cat):
    chosen = cat.select(["signals"])
    assert chosen and all(p.category == "signals" for p in chosen)
    with pytest.raises(ConfigError, match="did you mean 'signals'"):
        cat.select(["signal"])


def test_loaded_from_its_data_folder():
    assert Path(catalogue.__file__).parent / "data" == catalogue.DATA_DIR
