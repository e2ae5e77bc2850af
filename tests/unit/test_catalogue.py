"""The catalogue: it loads, every expectation cites a known source, matching works."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from matrix import catalogue, targets
from matrix.build import native_probe_names
from matrix.core import fallbacks
from matrix.errors import ConfigError
from matrix.targets import Target

from ..conftest import TARGETS_FILE

LINUX_217 = Target("l", "x86_64-linux-gnu.2.17", "linux", "x86_64", "glibc", "2.17", ("native",))
LINUX_228 = Target("l2", "x86_64-linux-gnu.2.28", "linux", "x86_64", "glibc", "2.28", ("native",))
MAC = Target("m", "aarch64-macos.11.0", "macos", "aarch64", "libsystem", "11.0", ("ci",))


@pytest.fixture(scope="module")
def cat() -> catalogue.Catalogue:
    return catalogue.load()


CATEGORIES = {"signals", "dns", "tz", "syscalls", "fs", "abi", "process"}


def test_catalogue_at_full_size(cat):
    probes = [p for p in cat.probes.values() if not p.test_only]
    assert len(probes) >= 60
    assert sum(p.kind == "build" for p in probes) >= 40
    assert set(cat.categories) >= CATEGORIES
    for category in (c for c in cat.categories if c != "test"):  # test: faults only
        kinds = Counter(p.kind for p in probes if p.category == category)
        # Every category has a real cell on every target (build) and
        # something the runners execute.
        assert kinds["build"] >= 3 and kinds["run"] >= 1, (category, kinds)
        assert kinds.total() >= 8, (category, kinds)


def test_every_probe_has_title_why_and_an_expectation_for_every_target(cat):
    all_targets = targets.load(TARGETS_FILE)
    for probe in cat.probes.values():
        assert probe.title.strip() and len(probe.why.split()) >= 8, probe.id
        assert probe.id.startswith(probe.category + "."), probe.id
        if probe.test_only:
            continue  # the fault probes document no platform behaviour
        for t in all_targets.values():
            assert probe.expectation(catalogue.Context(t)) is not None, (probe.id, t.identifier)


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
    # Every run-time probe is something Python can observe, so each has a
    # pure-Python fallback for the report to compare with the native value.
    assert set(fallbacks.REGISTRY) == run_probes


def test_build_probes_are_data_only(cat):
    native = set(native_probe_names())
    build = {p.id for p in cat.probes.values() if p.kind == "build"}
    assert build.isdisjoint(native) and build.isdisjoint(fallbacks.REGISTRY)


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


def target(os_: str, arch: str, libc: str, floor: str) -> Target:
    return Target(f"{os_}-{arch}", f"{arch}-{os_}", os_, arch, libc, floor, ("native",))


LINUX_X = target("linux", "x86_64", "glibc", "2.17")
LINUX_A = target("linux", "aarch64", "glibc", "2.17")
MUSL = target("linux", "x86_64", "musl", "1.2")
MAC_X = target("macos", "x86_64", "libsystem", "11.0")
MAC_A = target("macos", "aarch64", "libsystem", "11.0")
WIN_X = target("windows", "x86_64", "mingw", "10")
WIN_A = target("windows", "aarch64", "mingw", "10")


def expected(cat, probe: str, t: Target, backend="native", environment="", python=None):
    exp = cat.probes[probe].expectation(catalogue.Context(t, backend, environment, python))
    assert exp is not None, (probe, t.identifier, backend, environment, python)
    return exp


@pytest.mark.parametrize(
    ("probe", "libc", "boundary"),
    [
        ("syscalls.getrandom", "glibc", "2.25"),
        ("syscalls.getentropy", "glibc", "2.25"),
        ("syscalls.memfd_create", "glibc", "2.27"),
        ("syscalls.epoll_create1", "glibc", "2.9"),
        ("syscalls.pipe2", "glibc", "2.9"),
        ("syscalls.accept4", "glibc", "2.10"),
        ("tz.clock_gettime", "glibc", "2.17"),
        ("tz.timespec_get", "glibc", "2.16"),
        ("syscalls.pipe2", "libsystem", "27.0"),
        ("syscalls.getentropy", "libsystem", "10.12"),
        ("tz.clock_gettime", "libsystem", "10.12"),
        ("tz.timespec_get", "libsystem", "10.15"),
    ],
)
def test_version_boundaries_from_the_sources(cat, probe, libc, boundary):
    os_ = "linux" if libc == "glibc" else "macos"
    major, minor = (int(x) for x in boundary.split("."))
    below = target(os_, "x86_64", libc, f"{major}.{minor - 1}" if minor else f"{major - 1}.9")
    at = target(os_, "x86_64", libc, boundary)
    assert expected(cat, probe, below).value == "unavailable"
    assert expected(cat, probe, at).value == "available"


def test_windows_python_without_tzdata(cat):
    for probe in ("tz.utc", "tz.europe_berlin"):
        assert expected(cat, probe, WIN_X, "python").value == "ZoneInfoNotFoundError"
        assert expected(cat, probe, WIN_X, "native").value != "ZoneInfoNotFoundError"
    assert expected(cat, "tz.zone_database", WIN_X, "python").value == "absent"
    assert expected(cat, "tz.zone_database", LINUX_X, "python").value == "present"
    assert expected(cat, "tz.zone_database", MAC_A, "python").value == "present"


def test_time_tzset_exists_on_unix_only(cat):
    assert expected(cat, "tz.posix_tz_string", WIN_X, "python").value == "no time.tzset"
    assert expected(cat, "tz.posix_tz_string", WIN_X, "native").value == -10800
    for t in (LINUX_X, MUSL, MAC_A):
        assert expected(cat, "tz.posix_tz_string", t, "python").value == -10800


def test_monotonic_clock_by_platform_and_python_version(cat):
    probe = "tz.monotonic_resolution"
    old = expected(cat, probe, WIN_X, "python", python=(3, 12))
    new = expected(cat, probe, WIN_X, "python", python=(3, 13))
    assert old.value == 15_625_000 and old.accepts(15_625_000)
    assert new.max == 1000 and new.accepts(100) and not new.accepts(15_625_000)
    assert expected(cat, probe, LINUX_X, "python", python=(3, 11)).value == 1
    assert expected(cat, probe, LINUX_A).value == 1
    assert expected(cat, probe, MAC_X).value == 1000


def test_zone_lookups_with_and_without_zone_data(cat):
    assert expected(cat, "tz.europe_berlin", MUSL, environment="scratch").value == "unresolved"
    assert expected(cat, "tz.europe_berlin", MUSL).value == "resolved"
    assert expected(cat, "tz.zone_database", MUSL, environment="scratch").value == "absent"
    assert expected(cat, "tz.utc", MUSL, environment="scratch").value == 0


def test_paths_and_files(cat):
    assert expected(cat, "fs.tempdir_realpath", LINUX_X).value == "equal"
    for t in (MAC_X, MAC_A):
        assert expected(cat, "fs.tempdir_realpath", t).value == "differs"
    for t in (WIN_X, WIN_A):
        assert expected(cat, "fs.rename_replaces", t).value == "refused"
        assert expected(cat, "fs.replace_existing", t).value == "replaced"
        assert expected(cat, "fs.reserved_name", t).value == "device"
        assert expected(cat, "fs.symlink_create", t).accepts("error 1314")
    assert expected(cat, "fs.reserved_name", LINUX_X).value == "file"


def test_type_sizes_page_sizes_and_granularity(cat):
    for t in (WIN_X, WIN_A):
        assert expected(cat, "abi.sizeof_long", t).value == 4
        assert expected(cat, "abi.allocation_granularity", t).value == 65536
        assert expected(cat, "abi.page_size", t).value == 4096
    for t in (LINUX_X, LINUX_A, MUSL, MAC_X, MAC_A):
        assert expected(cat, "abi.sizeof_long", t).value == 8
    for t in (LINUX_X, LINUX_A, MUSL, MAC_X, MAC_A, WIN_X, WIN_A):
        assert expected(cat, "abi.sizeof_pointer", t).value == 8
    assert expected(cat, "abi.page_size", MAC_A).value == 16384
    assert expected(cat, "abi.page_size", MAC_X).value == 4096
    assert expected(cat, "abi.page_size", LINUX_X).value == 4096


def test_hosts_file_environments(cat):
    hosts_only = expected(cat, "dns.hosts_file", MUSL, environment="hosts-only")
    assert hosts_only.value == "127.0.0.7"
    assert expected(cat, "dns.hosts_file", LINUX_X, environment="scratch").value == "no hosts file"
    assert expected(cat, "dns.hosts_file", LINUX_X).value == "no entry"


def test_every_source_is_cited_and_linked(cat):
    cited = {k for p in cat.probes.values() for e in p.expectations for k in e.cite}
    assert cited == set(cat.sources)
    assert all(s.url.startswith("https://") and s.says for s in cat.sources.values())


def test_an_entry_without_a_citation_is_rejected(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(catalogue.DATA_DIR, data)
    path = data / "process.yaml"
    text = path.read_text()
    path.write_text(text.replace("cite: [posix-exit, python-subprocess]", "cite: []", 1))
    with pytest.raises(ConfigError, match=r"process.yaml:\d+"):
        catalogue.load(data)


def test_a_memo_is_reused_only_for_the_same_files(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(catalogue.DATA_DIR, data)
    memo = tmp_path / "memo"
    first = catalogue.load(data, memo=memo)
    assert len(list(memo.glob("*.pickle"))) == 1
    assert catalogue.load(data, memo=memo) == first
    abi = data / "abi.yaml"
    abi.write_text(abi.read_text().replace("title: C ABI and CPU", "title: ABI, changed"))
    changed = catalogue.load(data, memo=memo)
    assert changed.categories["abi"] == "ABI, changed"
    assert len(list(memo.glob("*.pickle"))) == 2
    abi.write_text(abi.read_text().replace("category: abi", "category: [abi"))
    with pytest.raises(ConfigError) as raised:
        catalogue.load(data, memo=memo)  # a broken file is read, never answered from the memo
    assert raised.value.problems[0].file == abi
