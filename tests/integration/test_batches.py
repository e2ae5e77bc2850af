"""Batched value checks give exactly what each check gives alone, on real builds."""

from __future__ import annotations

from matrix import cache, catalogue
from matrix.build import check
from matrix.build.checks import batches, check_batch
from matrix.catalogue import BuildCheck, Probe


def _probes(kind_subjects, headers=("signal.h",)):
    return [
        Probe(
            f"signals.t{i}",
            "signals",
            "t",
            "w",
            (),
            build=BuildCheck(kind=k, subject=s, headers=headers),
        )
        for i, (k, s) in enumerate(kind_subjects)
    ]


def test_batch_equals_alone(zig, all_targets, tmp_path):
    cat = catalogue.load()
    grouped, _ = batches([p for p in cat.probes.values() if p.build])
    assert grouped, "the catalogue has value checks sharing headers"
    group = max(grouped, key=len)
    for ident in ("linux-x86_64-gnu", "macos-arm64", "windows-x86_64"):
        t = all_targets[ident]
        together = check_batch(zig, t, group, cache.ResultCache(tmp_path / f"b-{ident}"))
        alone = [check(zig, t, p, cache.ResultCache(tmp_path / f"a-{ident}")) for p in group]
        assert [(o.probe, o.value, o.detail) for o in together] == [
            (o.probe, o.value, o.detail) for o in alone
        ]


def test_a_bad_expression_does_not_spoil_the_batch(zig, all_targets, tmp_path):
    probes = _probes([("macro", "SIGTERM"), ("expr", "no_such_thing + 1"), ("macro", "SIGNOPE")])
    t = all_targets["linux-x86_64-musl"]
    found = check_batch(zig, t, probes, cache.ResultCache(tmp_path))
    assert [o.value for o in found] == [15, None, "undefined"]
    assert found[1].outcome.value == "build failed"
    assert "no_such_thing" in found[1].detail


def test_linked_together_equals_alone(zig, all_targets, tmp_path):
    """Function, member and header checks: one link per target gives each lone verdict.

    glibc 2.17 declares getentropy but its stubs lack it, so the joint link
    fails there and the linker's message must single that check out.
    """
    cat = catalogue.load()
    grouped, _ = batches([p for p in cat.probes.values() if p.build])
    group = max((g for g in grouped if g[0].build.kind == "function"), key=len)
    assert {p.build.kind for p in group} >= {"function", "member"}
    for ident in ("linux-x86_64-gnu", "macos-arm64", "windows-x86_64"):
        t = all_targets[ident]
        together = check_batch(zig, t, group, cache.ResultCache(tmp_path / f"b-{ident}"))
        alone = [check(zig, t, p, cache.ResultCache(tmp_path / f"a-{ident}")) for p in group]
        assert [(o.probe, o.outcome, o.value, o.detail) for o in together] == [
            (o.probe, o.outcome, o.value, o.detail) for o in alone
        ]
        values = {o.probe: o.value for o in together}
        if ident == "linux-x86_64-gnu":
            assert values["syscalls.getentropy"] == "unavailable"
        assert "unavailable" in values.values() and "available" in values.values()


def test_a_function_that_does_not_link_is_singled_out(zig, all_targets, tmp_path):
    probes = [
        Probe(
            f"syscalls.t{i}",
            "syscalls",
            "t",
            "w",
            (),
            build=BuildCheck(kind="function", subject=subject, headers=headers),
        )
        for i, (subject, headers) in enumerate(
            [
                ("open", ("fcntl.h",)),
                ("pm_declared_nowhere_else", ("stdio.h",)),
                ("getentropy", ("unistd.h", "sys/random.h")),
                ("close", ("unistd.h",)),
            ]
        )
    ]
    t = all_targets["linux-x86_64-gnu"]  # glibc 2.17: getentropy is declared, not linked
    found = check_batch(zig, t, probes, cache.ResultCache(tmp_path))
    assert [(o.value, o.detail) for o in found] == [
        ("available", "function open compiles and links"),
        ("unavailable", "not declared"),
        ("unavailable", "declared but does not link"),
        ("available", "function close compiles and links"),
    ]
