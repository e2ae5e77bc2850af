"""Container environments on a real docker engine: the stripped-down roots show their breaks.

The session's matrix run (conftest.model) runs every environment column when
an engine answers; without one these tests skip, and the cells say why.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from matrix import cache, pipeline, targets
from matrix.progress import Reporter
from matrix.run import DockerRunner, EnvironmentRunner, images
from matrix.run.engine import Engine

from ..conftest import TARGETS_FILE, have

SCRATCH = ["linux-x86_64-musl@scratch", "linux-aarch64-musl@scratch"]
DEBIAN = ["linux-x86_64-gnu@debian-minimal", "linux-x86_64-musl@debian-minimal"]
DEBIAN_PYTHON = "linux-x86_64-gnu@debian-minimal+python"


@pytest.fixture(scope="module")
def engine() -> Engine:
    found = Engine()
    avail, info = found.status()
    if not avail.ok or info is None:
        pytest.skip(f"no docker engine here: {avail.explain()}")
    return found


@pytest.fixture(scope="module")
def ran(model, engine):
    """ran(column) -> how the environment column ran; fails when it did not."""
    index = {c["column"]: c for e in model["environments"] for c in e["columns"]}

    def lookup(column: str) -> dict:
        if "debian" in column and not have("debootstrap"):
            pytest.skip("debootstrap is not installed")
        assert column in index, f"no environment column {column}"
        assert index[column]["ran_with"] == "docker", index[column]["not_run_reason"]
        return index[column]

    return lookup


def test_scratch_has_no_zone_data_but_utc_works(cell, ran):
    for column in SCRATCH:
        ran(column)
        assert cell("tz.utc", column)["value"] == 0
        berlin = cell("tz.europe_berlin", column)
        assert berlin["value"] == "unresolved"
        assert "offsets 0 s / 0 s" in berlin["detail"]
        assert cell("tz.europe_berlin", column.split("@")[0])["value"] == "resolved"


def test_scratch_has_no_hosts_file_and_musl_asks_dns_for_localhost(cell, ran):
    for column in SCRATCH:
        ran(column)
        assert cell("dns.hosts_file", column)["value"] == "no hosts file"
        localhost = cell("dns.localhost", column)
        assert (localhost["value"], localhost["status"]) == ("error", "agrees")
        assert "Try again" in localhost["detail"]  # EAI_AGAIN after musl's 5 s timeout
        assert cell("dns.numeric_ipv4", column)["value"] == "127.0.0.1"
        assert cell("fs.rename_replaces", column)["value"] == "error"


def test_aarch64_scratch_runs_under_static_qemu_inside_the_container(cell, ran):
    column = ran("linux-aarch64-musl@scratch")
    assert "qemu-aarch64-static" in column["runner_version"]
    assert cell("signals.sigusr1_raise", "linux-aarch64-musl@scratch")["value"] == 10


def test_debian_minimal_python_has_no_zone_data(cell, ran):
    ran(DEBIAN_PYTHON)
    for probe in ("tz.utc", "tz.europe_berlin"):
        c = cell(probe, DEBIAN_PYTHON)
        assert (c["value"], c["status"]) == ("ZoneInfoNotFoundError", "agrees"), probe
        assert c["how"]["backend"] == "python"
    assert cell("dns.localhost", DEBIAN_PYTHON)["value"] == "loopback"


def test_debian_minimal_c_libraries_fall_back_to_utc(cell, ran):
    for column in DEBIAN:
        ran(column)
        assert cell("tz.utc", column)["value"] == 0
        assert cell("tz.europe_berlin", column)["value"] == "unresolved"
        # The engine's own /etc/hosts is there (without the probe's test
        # name), so localhost resolves.
        assert cell("dns.hosts_file", column)["value"] == "no entry"
        assert cell("dns.localhost", column)["value"] == "loopback"
        assert cell("tz.zone_database", column)["value"] == "absent"
        assert cell("fs.rename_replaces", column)["value"] == "replaced"  # tmpfs /tmp


def test_reports_show_environments_against_the_host(model, ran, run_dirs):
    for column in [*SCRATCH, *DEBIAN, DEBIAN_PYTHON]:
        ran(column)
    ids = {c["id"] for c in model["columns"]}
    assert {*SCRATCH, *DEBIAN, DEBIAN_PYTHON} <= ids
    diffs = {(d["probe"], d["column"]): d for d in model["environment_differences"]}
    berlin = diffs[("tz.europe_berlin", "linux-x86_64-musl@scratch")]
    assert (berlin["host"], berlin["value"]) == ("resolved", "unresolved")
    assert ("tz.utc", "linux-x86_64-musl@scratch") not in diffs
    md = (run_dirs["reports"] / "matrix.md").read_text()
    assert "## Environments against the host" in md
    assert "env-differs" in (run_dirs["reports"] / "matrix.html").read_text()


def test_no_container_is_left_behind(model, engine):
    left = engine.run(["ps", "-aq", "--filter", "label=portmatrix.run"])
    assert left.stdout.decode().split() == []


def test_images_are_cached_by_content(engine, tmp_path):
    _, envs = targets.load_all(TARGETS_FILE)
    shelf = images.Images(engine, tmp_path)
    first = shelf.ensure(envs["scratch"], "x86_64")
    again = images.Images(engine, tmp_path).ensure(envs["scratch"], "x86_64")
    assert not again.built
    assert again.tag == first.tag
    key = cache.key(images.IMAGE_FORMAT, images._empty_root(envs["scratch"]).hex())
    assert first.tag == f"portmatrix/env-scratch:{key[:20]}"
    label = engine.run(["image", "inspect", "--format", "{{.Config.Labels}}", first.tag])
    assert "portmatrix.environment:scratch" in label.stdout.decode()


SLEEPER = "#include <unistd.h>\nint main(void) { sleep(60); return 0; }\n"


def test_a_container_left_by_a_time_limit_is_swept(engine, zig, all_targets, host, tmp_path):
    source = tmp_path / "sleeper.c"
    source.write_text(SLEEPER)
    program = tmp_path / "sleeper"
    built = zig.cc(["-target", "x86_64-linux-musl", "-O2", str(source), "-o", str(program)])
    assert built.returncode == 0, built.stderr
    _, envs = targets.load_all(TARGETS_FILE)
    target = all_targets["linux-x86_64-musl"]
    runner = DockerRunner(tmp_path).runners(target, envs["scratch"])[0]
    assert runner.check(target, host).ok
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run(runner.command(target, program), capture_output=True, timeout=2)
    assert runner.sweep() == 1
    left = engine.run(["ps", "-aq", "--filter", f"label={runner.label}"])
    assert left.stdout.decode().split() == []


def _musl_tz(run_dirs: dict[str, Path], tmp_path: Path) -> pipeline.Options:
    """linux-x86_64-musl's tz probes, with the session's builds and a fresh result cache."""
    return pipeline.Options(
        targets_file=TARGETS_FILE,
        targets=("linux-x86_64-musl",),
        probes=("tz",),
        build_dir=run_dirs["build"],
        cache_dir=tmp_path / "cache",
        out=tmp_path / "reports",
    )


def test_without_an_engine_the_cells_say_why(monkeypatch, built, run_dirs, tmp_path: Path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    options = _musl_tz(run_dirs, tmp_path)
    p = pipeline.plan(options)
    model = pipeline.judge(p, pipeline.execute(p, Reporter(quiet=True)))
    env_cells = [c for c in model["cells"] if "@" in c["column"]]
    assert {c["column"] for c in env_cells} == {
        "linux-x86_64-musl@scratch",
        "linux-x86_64-musl@debian-minimal",
    }
    for c in env_cells:
        assert c["status"] == "not run"
        assert "no docker engine" in c["detail"] or "docker CLI is not installed" in c["detail"]
    host = [
        c for c in model["cells"] if c["column"] == "linux-x86_64-musl" and c["probe"] == "tz.utc"
    ]
    assert host[0]["value"] == 0


def test_environment_results_are_reused_until_the_image_changes(
    monkeypatch, engine, built, run_dirs, tmp_path: Path
):
    options = _musl_tz(run_dirs, tmp_path)
    started: list[str] = []
    command = EnvironmentRunner.command

    def counted(self, target, program):
        started.append(self.env.name)
        return command(self, target, program)

    monkeypatch.setattr(EnvironmentRunner, "command", counted)

    def scratch_cells() -> dict[str, object]:
        p = pipeline.plan(options)
        model = pipeline.judge(p, pipeline.execute(p, Reporter(quiet=True)))
        column = "linux-x86_64-musl@scratch"
        return {c["probe"]: c["value"] for c in model["cells"] if c["column"] == column}

    first = scratch_cells()
    assert first["tz.utc"] == 0 and "scratch" in started
    started.clear()
    assert scratch_cells() == first
    assert started == []  # every environment column answered from the cache
    image_id = Engine.image_id
    monkeypatch.setattr(Engine, "image_id", lambda self, tag: f"{image_id(self, tag)}-rebuilt")
    assert scratch_cells() == first
    assert "scratch" in started  # a new image digest runs the columns again
