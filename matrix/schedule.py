"""A small dependency-aware scheduler for the matrix's tasks.

Core builds, build-time probes and run-time probes of all targets form one
graph: a target's runs wait for its core; everything else is independent.
`jobs` worker threads take the ready task with the longest remaining path
first (its own estimate plus the longest chain of tasks that wait for it), so
a cold libc build or a slow emulator start begins before the quick checks
that can fill the gaps around it.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Event", "Scheduler", "Task"]


@dataclass
class Task:
    name: str
    group: str  # the target it belongs to, for progress
    phase: str  # core | check | run
    fn: Callable[..., Any]
    deps: tuple[str, ...] = ()
    estimate: float = 0.1
    #: The probes whose cells this task decides (for reporting its faults).
    covers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    kind: str  # start | done
    task: Task
    seconds: float = 0.0
    error: BaseException | None = None


@dataclass
class _State:
    remaining: dict[str, int] = field(default_factory=dict)
    dependents: dict[str, list[str]] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


class Scheduler:
    def __init__(self, jobs: int, on_event: Callable[[Event], None] = lambda e: None) -> None:
        self.jobs = max(1, jobs)
        self.on_event = on_event
        self.tasks: dict[str, Task] = {}

    def add(self, task: Task) -> None:
        if task.name in self.tasks:
            raise ValueError(f"two tasks named {task.name}")
        self.tasks[task.name] = task

    def add_all(self, tasks: Iterable[Task]) -> None:
        for task in tasks:
            self.add(task)

    def run(self) -> tuple[dict[str, Any], dict[str, float]]:
        """Run every task; a task's fn gets its dependencies' results as arguments.

        Returns results and seconds by task name.  An exception in a task is
        its result (dependents receive it); KeyboardInterrupt stops the run.
        """
        state = self._prepare()
        priority = self._priorities()
        ready = [(-priority[n], n) for n, k in state.remaining.items() if k == 0]
        heapq.heapify(ready)
        lock = threading.Condition()
        pending = [len(self.tasks)]
        interrupted: list[BaseException] = []

        def worker() -> None:
            while True:
                with lock:
                    while not ready and pending[0] and not interrupted:
                        lock.wait()
                    if not pending[0] or interrupted:
                        return
                    _, name = heapq.heappop(ready)
                task = self.tasks[name]
                args = [state.results[d] for d in task.deps]
                self.on_event(Event("start", task))
                started = time.monotonic()
                error = None
                try:
                    result = task.fn(*args)
                except (KeyboardInterrupt, SystemExit) as exc:
                    with lock:
                        interrupted.append(exc)
                        lock.notify_all()
                    return
                except Exception as exc:  # a task's fault becomes its result
                    result, error = exc, exc
                seconds = time.monotonic() - started
                self.on_event(Event("done", task, seconds, error))
                with lock:
                    state.results[name] = result
                    state.seconds[name] = seconds
                    pending[0] -= 1
                    for dep in state.dependents.get(name, ()):
                        state.remaining[dep] -= 1
                        if state.remaining[dep] == 0:
                            heapq.heappush(ready, (-priority[dep], dep))
                    lock.notify_all()

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(self.jobs)]
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
        except KeyboardInterrupt:
            with lock:
                interrupted.append(KeyboardInterrupt())
                lock.notify_all()
            raise
        if interrupted:
            raise interrupted[0]
        return state.results, state.seconds

    def _prepare(self) -> _State:
        state = _State()
        for task in self.tasks.values():
            missing = [d for d in task.deps if d not in self.tasks]
            if missing:
                raise ValueError(f"task {task.name} depends on unknown {missing}")
            state.remaining[task.name] = len(task.deps)
            for dep in task.deps:
                state.dependents.setdefault(dep, []).append(task.name)
        return state

    def _priorities(self) -> dict[str, float]:
        """Each task's estimate plus the longest chain of tasks waiting on it."""
        dependents: dict[str, list[str]] = {}
        for task in self.tasks.values():
            for dep in task.deps:
                dependents.setdefault(dep, []).append(task.name)
        memo: dict[str, float] = {}

        def path(name: str) -> float:
            if name not in memo:
                after = max((path(d) for d in dependents.get(name, ())), default=0.0)
                memo[name] = self.tasks[name].estimate + after
            return memo[name]

        return {name: path(name) for name in self.tasks}
