"""Wheels of portmatrix: one per target, built with zig on any host, checked like a release.

`tags` says what a wheel platform tag means; `choose` decides which native
core a build carries; `backend` and `hook` are the PEP 517 build; `inspect`
and `checks` examine built wheels; `release` builds and checks them all.
This package imports nothing outside the standard library until asked.
"""

__all__ = ["bench_wheels"]


def bench_wheels(jobs: int = 2) -> float:
    """Seconds to build every target's wheel, zig's cache warm, the cores compiled afresh."""
    from .release import time_all_wheels

    return time_all_wheels(jobs)
