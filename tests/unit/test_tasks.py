"""The matrix's task graph: what waits for what, so a cold zig cache builds each runtime once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from matrix import pipeline, platforms

from ..conftest import TARGETS_FILE


@pytest.fixture(scope="module")
def graph() -> dict[str, object]:
    p = pipeline.plan(pipeline.Options(targets_file=TARGETS_FILE))
    if p.zig is None:
        pytest.skip(p.zig_error)
    p = replace(p, host=platforms.Host("linux", "x86_64", "glibc"))
    return {task.name: task for task in pipeline._tasks(p, run_probes=True)}


def test_checks_that_link_wait_for_their_core_and_the_others_do_not(graph):
    probes = pipeline.catalogue_mod.load().probes
    checks = [t for t in graph.values() if t.phase == "check"]
    linking = [t for t in checks if t.deps]
    assert linking and len(linking) < len(checks)
    for task in checks:
        kinds = {probes[pid].build.kind for pid in task.covers}
        assert bool(task.deps) == ("function" in kinds), task.name
        if task.deps:
            assert task.deps == (f"core:{task.group}",)


def test_a_hidden_root_waits_for_the_musl_core_of_the_engines_architecture(graph):
    scratch = graph["env:linux-aarch64-musl@scratch"]
    assert scratch.deps == ("core:linux-aarch64-musl", "core:linux-x86_64-musl")
    assert graph["env:linux-x86_64-musl@scratch"].deps == ("core:linux-x86_64-musl",)
    assert graph["env:linux-x86_64-gnu@debian-minimal+python"].deps == ()  # root kept: no launcher


def test_cores_start_longest_first_on_a_cold_cache(graph):
    cores = sorted((t for t in graph.values() if t.phase == "core"), key=lambda t: -t.estimate)
    assert [t.name.split(":")[1].split("-")[0] for t in cores[:2]] == ["windows", "windows"]
    assert {t.name for t in cores[-4:]} == {
        "core:linux-x86_64-gnu",
        "core:linux-aarch64-gnu",
        "core:macos-x86_64",
        "core:macos-arm64",
    }
