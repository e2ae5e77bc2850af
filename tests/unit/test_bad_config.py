"""Malformed targets.yaml and catalogue files: every one an error naming file, line and fix.

CASES holds the hand-written malformed targets files (syntax, types,
unknown keys, duplicates, unknown zig triples, impossible floors, runners
that do not fit); the hypothesis tests feed random text, random bytes,
random edits of a good file and random values in its places.  None may end
in anything but a ConfigError whose every problem has a line and a fix.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matrix import catalogue, cli, targets
from matrix.errors import ConfigError

from ..conftest import ROOT
from .test_targets import FACTS, GOOD

WINDOWS = (
    GOOD.replace("linux-x86_64-gnu:", "windows-x86_64:")
    .replace("x86_64-linux-gnu.2.17", "x86_64-windows-gnu")
    .replace("os: linux", "os: windows")
    .replace("libc: glibc", "libc: mingw")
    .replace('floor: "2.17"', 'floor: "10"')
)


def edit(old: str, new: str, base: str = GOOD) -> str:
    assert old in base, old
    return base.replace(old, new)


#: (case, file text or bytes, line, part of the message)
CASES = [
    ("empty file", "", 1, "the top level must be a mapping, not empty (null)"),
    ("only comments", "# nothing here\n", 1, "must be a mapping, not empty (null)"),
    ("top level is a list", "- version: 1\n- targets: {}\n", 1, "must be a mapping, not a list"),
    ("top level is a string", "\n\ntargets\n", 3, "must be a mapping, not a string"),
    ("not UTF-8", edit("os: linux", "os: l\xefnux").encode("latin-1"), 5, "not UTF-8 text"),
    ("UTF-16", GOOD.encode("utf-16"), 1, "not UTF-8 text (byte 0 is 0xff)"),
    ("unclosed bracket", edit("[native, qemu]", "[native, qemu"), 9, "YAML syntax error"),
    ("tab indent", edit("    os: linux", "\tos: linux"), 5, "YAML syntax error"),
    ("bad indent", edit("    os: linux", "      os: linux"), 5, "YAML syntax error"),
    ("unclosed quote", edit('floor: "2.17"', 'floor: "2.17'), 8, "YAML syntax error"),
    ("two documents", GOOD + "---\nversion: 1\n", 10, "YAML syntax error"),
    ("undefined alias", edit("os: linux", "os: *linux"), 5, "undefined alias"),
    ("recursive alias", "&a [*a]\n", 1, "alias refers to the list"),
    ("bad explicit tag", edit("os: linux", "os: !!int linux"), 5, "invalid literal for int()"),
    ("too deep", "targets: " + "[" * 400 + "]" * 400 + "\n", 1, "nested too deeply"),
    (
        "duplicate key",
        edit("    arch: x86_64", "    arch: x86_64\n    arch: x86_64"),
        7,
        "'arch' is defined twice; the first one is at line 6",
    ),
    (
        "duplicate identifier",
        GOOD + GOOD.split("targets:\n", 1)[1],
        10,
        "'linux-x86_64-gnu' is defined twice; the first one is at line 3",
    ),
    ("unknown top-level key", edit("version: 1", "versoin: 1"), 1, "unknown key 'versoin'"),
    ("unknown target key", edit("runners:", "runner:"), 9, "did you mean 'runners'?"),
    ("missing key", edit("    libc: glibc\n", ""), 3, "is missing 'libc'"),
    ("version 2", edit("version: 1", "version: 2"), 1, "version must be 1"),
    ("version as text", edit("version: 1", 'version: "1"'), 1, "version must be 1"),
    (
        "targets is a list",
        "version: 1\ntargets:\n  - linux\n",
        2,
        "targets must be a mapping, not a list",
    ),
    ("targets empty", "version: 1\ntargets: {}\n", 2, "targets is empty"),
    ("targets null", "version: 1\ntargets:\n", 2, "targets must be a mapping, not empty (null)"),
    ("null target", "version: 1\ntargets:\n  linux:\n", 3, "must be a mapping, not empty (null)"),
    (
        "target is a string",
        "version: 1\ntargets:\n  linux: x86_64\n",
        3,
        "must be a mapping, not a string",
    ),
    (
        "upper-case identifier",
        edit("linux-x86_64-gnu:", "Linux-X86:"),
        3,
        "name 'Linux-X86' is not allowed",
    ),
    ("integer identifier", edit("linux-x86_64-gnu:", "42:"), 3, "key 42 is an integer, not a name"),
    ("null identifier", edit("linux-x86_64-gnu:", "~:"), 3, "key None is empty (null), not a name"),
    ("list as identifier", edit("linux-x86_64-gnu:", "? [a, b]\n  :"), 3, "is a list, not a name"),
    ("os misspelt", edit("os: linux", "os: linus"), 5, "did you mean 'linux'?"),
    ("unknown arch", edit("arch: x86_64", "arch: riscv64"), 6, "'riscv64' is not allowed"),
    ("floor as number", edit('floor: "2.17"', "floor: 2.17"), 8, "must be a string, not a number"),
    ("floor not a version", edit('floor: "2.17"', 'floor: "two"'), 8, "does not match"),
    ("floor empty", edit('floor: "2.17"', 'floor: ""'), 8, "does not match"),
    ("runners empty", edit("[native, qemu]", "[]"), 9, "runners is empty"),
    ("runners a string", edit("[native, qemu]", "native"), 9, "must be a list, not a string"),
    ("runner twice", edit("[native, qemu]", "[native, native]"), 9, "lists an item twice"),
    ("unknown runner", edit("[native, qemu]", "[native, podman]"), 9, "'podman' is not allowed"),
    ("runner not a name", edit("[native, qemu]", "[native, 3]"), 9, "'3' is not allowed"),
    (
        "wine for linux",
        edit("[native, qemu]", "[native, wine]"),
        9,
        "runner 'wine' cannot run linux",
    ),
    (
        "qemu for windows",
        edit("[native, qemu]", "[native, qemu]", WINDOWS),
        9,
        "'qemu' cannot run windows",
    ),
    ("triple malformed", edit("x86_64-linux-gnu.2.17", "x86_64_linux"), 4, "is not arch-os[-abi]"),
    (
        "triple for arm",
        edit("x86_64-linux-gnu.2.17", "aarch64-linux-gnu.2.17"),
        4,
        "triple is for aarch64",
    ),
    (
        "triple for macos",
        edit("x86_64-linux-gnu.2.17", "x86_64-macos.11.0"),
        4,
        "triple is for macos, os says linux",
    ),
    (
        "triple without floor",
        edit("x86_64-linux-gnu.2.17", "x86_64-linux-gnu"),
        4,
        "triple has no version",
    ),
    (
        "floor disagrees",
        edit('floor: "2.17"', 'floor: "2.28"'),
        8,
        "floor 2.28 but the triple says 2.17",
    ),
    ("libc of another os", edit("libc: glibc", "libc: mingw"), 7, "mingw is not a libc of linux"),
    ("musl with gnu abi", edit("libc: glibc", "libc: musl"), 4, "musl builds with abi 'musl'"),
    (
        "unknown zig triple",
        edit("x86_64-linux-gnu.2.17", "aarch64-linux-musl")
        .replace("x86_64\n", "aarch64\n")
        .replace("glibc", "musl")
        .replace('"2.17"', '"1.2"'),
        4,
        "zig has no libc for aarch64-linux-musl",
    ),
    (
        "glibc too old",
        edit("2.17", "2.5").replace('"2.17"', '"2.5"'),
        8,
        "zig cannot build for glibc 2.5",
    ),
    ("glibc from the future", edit("2.17", "9.99").replace('"2.17"', '"9.99"'), 8, "glibc 9.99"),
    ("environment name", GOOD + "    environments: [Big Env]\n", 10, "does not match"),
    ("boolean key", edit("    os: linux", "    true: linux"), 5, "key True is true or false"),
]


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "targets.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    return path


def problems_of(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        targets.load(path, FACTS)
    return info.value


def assert_actionable(error: ConfigError, path: Path, lines: int) -> None:
    """Every problem names this file, a line inside it, and a fix."""
    assert error.problems
    for problem in error.problems:
        assert problem.file == path
        assert isinstance(problem.line, int) and 1 <= problem.line <= lines + 1, problem
        assert problem.fix.strip(), problem


def test_there_are_at_least_thirty_cases():
    assert len(CASES) >= 30
    assert len({name for name, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("text", "line", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_targets(tmp_path, text, line, message):
    path = write(tmp_path, text)
    error = problems_of(path)
    assert_actionable(error, path, max(1, len(path.read_bytes().splitlines())))
    text_of = str(error)
    assert message in text_of
    assert f"{path}:{line}: " in text_of, text_of
    assert "\n    fix: " in text_of


def test_missing_file_names_it_and_the_fix(tmp_path):
    with pytest.raises(ConfigError) as info:
        targets.load(tmp_path / "targets.yaml")
    assert str(info.value) == (
        f"{tmp_path / 'targets.yaml'}: cannot read: No such file or directory\n"
        "    fix: check the path, or pass another file"
    )


#: Cases that only the fake toolchain facts make wrong: the real zig has an
#: aarch64 musl libc and glibc 2.5, which FACTS leaves out.
FAKE_ZIG_ONLY = {"unknown zig triple", "glibc too old"}
CLI_CASES = [c for c in CASES if c[0] not in FAKE_ZIG_ONLY]


@pytest.mark.parametrize(
    ("text", "line", "message"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_malformed_targets_through_the_cli(tmp_path, capsys, text, line, message):
    path = write(tmp_path, text)
    code = cli.main(["targets", "--targets-file", str(path), "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 3
    assert f"{path}:{line}: " in err and message in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["empty file", "not UTF-8", "too deep", "glibc from the future"])
def test_malformed_targets_in_a_real_child_process(tmp_path, name):
    _, text, line, message = next(c for c in CASES if c[0] == name)
    path = write(tmp_path, text)
    proc = subprocess.run(
        [sys.executable, "-m", "matrix", "targets", "--targets-file", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{path}:" in proc.stderr and "fix:" in proc.stderr


# Property-based fuzzing ------------------------------------------------------

#: Hypothesis examples per fuzz test: a few hundred in every run, more on
#: request (PORTMATRIX_FUZZ_EXAMPLES=5000) for a longer campaign.
FUZZ_EXAMPLES = int(os.environ.get("PORTMATRIX_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

YAML_ALPHABET = st.sampled_from(
    list(":-[]{},#&*!|>'\"%@`?\t\n ~.0123456789abcdefgnqrstuxyz_") + ["\x00", "é", "\ufeff"]
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["linux", "x86_64", "glibc", "2.17", "native", "qemu", "wine", "10", "mingw"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=4)
    ),
    max_leaves=12,
)


def check_load(tmp_path: Path, data: str | bytes) -> None:
    path = write(tmp_path, data)
    try:
        targets.load(path, FACTS)
    except ConfigError as error:
        assert_actionable(error, path, max(1, len(path.read_bytes().splitlines())))


@FUZZ
@given(text=st.text(YAML_ALPHABET, max_size=200))
def test_fuzz_random_text(tmp_path, text):
    check_load(tmp_path, text)


@FUZZ
@given(data=st.binary(max_size=200))
def test_fuzz_random_bytes(tmp_path, data):
    check_load(tmp_path, data)


@FUZZ
@given(
    at=st.integers(0, len(GOOD)),
    cut=st.integers(0, 12),
    insert=st.text(YAML_ALPHABET, max_size=6),
)
def test_fuzz_edits_of_a_good_file(tmp_path, at, cut, insert):
    check_load(tmp_path, GOOD[:at] + insert + GOOD[at + cut :])


FIELDS = ["triple", "os", "arch", "libc", "floor", "runners", "environments", "extra"]


@FUZZ
@given(
    field=st.sampled_from(FIELDS), value=values, where=st.sampled_from(["target", "top", "targets"])
)
def test_fuzz_values_in_every_place(tmp_path, field, value, where):
    from io import StringIO

    from ruamel.yaml import YAML

    yaml = YAML()
    data = yaml.load(GOOD)
    match where:
        case "target":
            data["targets"]["linux-x86_64-gnu"][field] = value
        case "top":
            data[field] = value
        case "targets":
            data["targets"] = value
    out = StringIO()
    try:
        yaml.dump(data, out)
    except Exception:  # values YAML cannot represent (e.g. a float NaN key) are no case
        return
    check_load(tmp_path, out.getvalue())


# Catalogue files --------------------------------------------------------------

CATALOGUE_CASES = [
    ("fs.yaml", "category: fs", "category: [fs", "YAML syntax error"),
    ("fs.yaml", "category: fs", "category: fs\nowner: me", "unknown key 'owner'"),
    ("fs.yaml", "    expect:", "    timeout: 0\n    expect:", "must be more than 0"),
    (
        "signals.yaml",
        "build: {macro: SIGBUS, headers: [signal.h]}",
        "build: {macro: SIGBUS, function: raise}",
        "only one is allowed",
    ),
    (
        "signals.yaml",
        "build: {macro: SIGBUS, headers: [signal.h]}",
        "build: {headers: [signal.h]}",
        "needs one of header",
    ),
    ("signals.yaml", "        value: 7\n", "        note: seven\n", "needs one of value"),
    (
        "signals.yaml",
        "      - when: {os: linux}\n        value: 7",
        "      - when: {os: linux, kernel: 6}\n        value: 7",
        "unknown key 'kernel'",
    ),
    (
        "signals.yaml",
        "id: signals.sigbus_number",
        "id: fs.sigbus_number",
        "is in the file of category 'signals'",
    ),
    ("signals.yaml", "id: signals.sigusr1_number", "id: signals.sigbus_number", "is defined twice"),
    ("sources.yaml", "url: https://", "url: http://", "does not match"),
    ("sources.yaml", "sources:", "sources: []\nold:", "must be a mapping"),
]


@pytest.mark.parametrize(("file", "old", "new", "message"), CATALOGUE_CASES)
def test_malformed_catalogue(tmp_path, file, old, new, message):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(catalogue.DATA_DIR, data)
    path = data / file
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        catalogue.load(data)
    assert message in str(info.value)
    for problem in info.value.problems:
        assert problem.line and problem.fix, problem
    code = cli.main(["probes", "--catalogue", str(data), "--cache-dir", str(tmp_path / "c")])
    assert code == 3


@pytest.fixture(scope="module")
def small_catalogue(tmp_path_factory) -> Path:
    """fs.yaml with a sources.yaml of only the sources it cites: quick to load many times."""
    from ruamel.yaml import YAML

    data = tmp_path_factory.mktemp("catalogue")
    yaml = YAML()
    fs = yaml.load((catalogue.DATA_DIR / "fs.yaml").read_text())
    cited = {k for probe in fs["probes"] for e in probe["expect"] for k in e["cite"]}
    sources = yaml.load((catalogue.DATA_DIR / "sources.yaml").read_text())
    sources["sources"] = {k: v for k, v in sources["sources"].items() if k in cited}
    with (data / "sources.yaml").open("w") as f:
        yaml.dump(sources, f)
    catalogue.load(data)  # the unedited file loads
    return data


@FUZZ
@given(at=st.integers(0, 9000), cut=st.integers(0, 12), insert=st.text(YAML_ALPHABET, max_size=6))
def test_fuzz_edits_of_a_catalogue_file(small_catalogue, tmp_path_factory, at, cut, insert):
    import shutil

    data = tmp_path_factory.mktemp("cat")
    shutil.copy(small_catalogue / "sources.yaml", data)
    original = (catalogue.DATA_DIR / "fs.yaml").read_text()
    (data / "fs.yaml").write_text(original[:at] + insert + original[at + cut :])
    try:
        catalogue.load(data)
    except ConfigError as error:
        for problem in error.problems:
            assert problem.line and problem.fix, problem
