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
