"""The scheduler: dependencies respected, longest path first, faults kept as results."""

from __future__ import annotations

import threading

import pytest

from matrix.schedule import Scheduler, Task


def test_longest_path_first_and_dependencies():
    order: list[str] = []
    lock = threading.Lock()

    def note(name):
        def fn(*args):
            with lock:
                order.append(name)
            return (name, args)

        return fn

    s = Scheduler(jobs=1)
    s.add(Task("check:a", "a", "check", note("check:a"), estimate=0.05))
    s.add(Task("core:a", "a", "core", note("core:a"), estimate=1.0))
    s.add(Task("run:a", "a", "run", note("run:a"), deps=("core:a",), estimate=3.0))
    s.add(Task("core:b", "b", "core", note("core:b"), estimate=2.0))
    results, seconds = s.run()
    # core:a leads a 4 s chain (1 + 3) and so starts before core:b (2 s).
    assert order == ["core:a", "run:a", "core:b", "check:a"]
    assert results["run:a"] == ("run:a", (("core:a", ()),))
    assert set(seconds) == {"check:a", "core:a", "run:a", "core:b"}


def test_a_failing_task_is_a_result_for_its_dependents():
    def boom():
        raise RuntimeError("no compiler")

    s = Scheduler(jobs=2)
    s.add(Task("core:a", "a", "core", boom))
    s.add(Task("run:a", "a", "run", lambda core: f"saw {type(core).__name__}", deps=("core:a",)))
    s.add(Task("core:b", "b", "core", lambda: "ok"))
    results, _ = s.run()
    assert isinstance(results["core:a"], RuntimeError)
    assert results["run:a"] == "saw RuntimeError"
    assert results["core:b"] == "ok"


def test_parallel_workers_overlap():
    barrier = threading.Barrier(2, timeout=5)
    s = Scheduler(jobs=2)
    s.add(Task("x", "a", "check", barrier.wait))
    s.add(Task("y", "b", "check", barrier.wait))
    results, _ = s.run()  # both must be running at once to pass the barrier
    assert sorted(results.values()) == [0, 1]


def test_unknown_dependency_and_duplicate_names():
    s = Scheduler(jobs=1)
    s.add(Task("a", "a", "core", lambda: None, deps=("missing",)))
    with pytest.raises(ValueError, match="depends on unknown"):
        s.run()
    with pytest.raises(ValueError, match="two tasks named a"):
        s.add(Task("a", "a", "core", lambda: None))
