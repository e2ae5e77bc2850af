"""Build-time checks: the C each kind generates and how compiler refusals are read."""

from __future__ import annotations

import pytest

from matrix.build import checks
from matrix.catalogue import BuildCheck
from matrix.results import Outcome


def test_member_check_reads_the_member_of_a_declared_object():
    text = checks.source(BuildCheck("member", "struct tm.tm_gmtoff", headers=("time.h",)))
    assert "#include <time.h>" in text
    assert "struct tm holder;" in text
    assert "sizeof(holder.tm_gmtoff)" in text


@pytest.mark.parametrize(
    ("kind", "stderr", "reason"),
    [
        (
            "member",
            "probe.c:5:31: error: no member named 'st_mtim' in 'struct stat'",
            "member not declared",
        ),
        ("function", "probe.c:4: error: call to undeclared function 'kqueue'", "not declared"),
        ("header", "probe.c:2:10: fatal error: 'poll.h' file not found", "header not found"),
        ("function", "error: undefined symbol: clock_gettime", "declared but does not link"),
    ],
)
def test_refusals_become_unavailable(kind, stderr, reason):
    assert checks._refusal(BuildCheck(kind, "x"), stderr) == (Outcome.OK, "unavailable", reason)


def test_a_refused_value_check_is_a_failed_build():
    outcome, value, detail = checks._refusal(
        BuildCheck("expr", "sizeof(off_t)"), "probe.c:3:1: error: unknown type name 'off_t'"
    )
    assert (outcome, value) == (Outcome.BUILD_FAILED, None)
    assert detail.startswith("probe.c:3:1")
