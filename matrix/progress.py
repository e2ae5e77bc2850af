"""What the user sees while a matrix runs: timed steps, live counts, CI log groups.

On a terminal, rich draws a live bar per phase; elsewhere each step prints
plain lines, folded into `::group::` sections when running on GitHub Actions.
Diagnostics go to logging; this module is only what the user is told.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

__all__ = ["Board", "Reporter"]


class Reporter:
    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.github = os.environ.get("GITHUB_ACTIONS") == "true"
        self.console = Console(
            soft_wrap=True,
            file=self.stream,
            highlight=False,
            force_terminal=None if self.stream.isatty() else False,
        )
        self.live = self.stream.isatty() and not quiet
        self.mark_ok, self.mark_bad = ("✓", "✗") if _utf8(self.stream) else ("ok", "FAILED")

    def say(self, text: str) -> None:
        if not self.quiet:
            self.console.print(text, markup=False)

    def warn(self, text: str) -> None:
        self.console.print(f"warning: {text}", markup=False, style="yellow")

    @contextmanager
    def step(self, title: str, total: int | None = None) -> Iterator[_Step]:
        """A timed step; `advance` it once per unit of work when `total` is given."""
        started = time.monotonic()
        if self.github and not self.quiet:
            print(f"::group::{title}", file=self.stream, flush=True)
        elif not self.quiet and not self.live:
            self.say(f"{title} …")
        bar = None
        if self.live and total:
            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[current]}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            bar.start()
        step = _Step(bar, bar.add_task(title, total=total, current="") if bar else None)
        ok = True
        try:
            yield step
        except BaseException:
            ok = False
            raise
        finally:
            if bar:
                bar.stop()
            if self.github and not self.quiet:
                print("::endgroup::", file=self.stream, flush=True)
            mark = self.mark_ok if ok and not step.failed else self.mark_bad
            if not self.quiet:
                extra = f" ({step.note})" if step.note else ""
                self.say(f"{mark} {title}{extra} {time.monotonic() - started:.2f}s")


class _Step:
    def __init__(self, bar: Progress | None, task: int | None) -> None:
        self.bar, self.task = bar, task
        self.failed = False
        self.note = ""

    def advance(self, current: str = "") -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, advance=1, current=current)


def _utf8(stream: TextIO) -> bool:
    encoding = getattr(stream, "encoding", "") or ""
    return encoding.lower().replace("-", "") in {"utf8", "utf16", "utf32"}


class Board:
    """Live per-target progress of a scheduled run: done and left per phase.

    On a terminal it is a table redrawn in place; elsewhere every finished
    core build and run, and every target whose build-time probes are all
    decided, is one plain line (inside one log group on GitHub Actions).
    """

    PHASES = ("core", "check", "run")

    def __init__(self, reporter: Reporter, totals: dict[str, dict[str, int]]) -> None:
        self.reporter = reporter
        self.totals = totals
        self.done = {g: dict.fromkeys(self.PHASES, 0) for g in totals}
        self.running: dict[str, tuple[str, float]] = {}
        self.lock = threading.Lock()
        self.live: Live | None = None
        self.started = time.monotonic()

    def __enter__(self) -> Board:
        r = self.reporter
        if r.live:
            self.live = Live(
                self._table(),
                console=r.console,
                refresh_per_second=4,
                transient=True,
                get_renderable=self._table,
            )
            self.live.start()
        elif r.github and not r.quiet:
            print("::group::matrix tasks", file=r.stream, flush=True)
        return self

    def __exit__(self, *exc: object) -> None:
        r = self.reporter
        if self.live is not None:
            self.live.stop()
        elif r.github and not r.quiet:
            print("::endgroup::", file=r.stream, flush=True)
        if not r.quiet:
            r.say(
                f"{r.mark_ok} {sum(sum(d.values()) for d in self.done.values())} tasks "
                f"{time.monotonic() - self.started:.2f}s"
            )

    def update(self, event: Any) -> None:
        task = event.task
        with self.lock:
            if event.kind == "start":
                self.running[task.name] = (task.group, time.monotonic())
                return
            self.running.pop(task.name, None)
            self.done[task.group][task.phase] += 1
            finished_checks = task.phase == "check" and self.done[task.group][
                "check"
            ] == self.totals[task.group].get("check", 0)
        if self.live is None and not self.reporter.quiet:
            mark = self.reporter.mark_bad if event.error else self.reporter.mark_ok
            if task.phase != "check":
                kind = task.name.split(":", 1)[0]
                self.reporter.say(f"  {mark} {kind:6} {task.group} {event.seconds:.2f}s")
            elif finished_checks:
                self.reporter.say(f"  {mark} build-time probes {task.group} done")

    def _table(self) -> Table:
        table = Table(
            box=None,
            pad_edge=False,
            title_justify="left",
            title=f"matrix {time.monotonic() - self.started:.1f}s",
        )
        for column in ("target", "core", "build-time", "run-time", "running"):
            table.add_column(column)
        now = time.monotonic()
        with self.lock:
            for group, totals in self.totals.items():
                done = self.done[group]
                busy = [
                    f"{name.split(':')[0]} {now - t0:.1f}s"
                    for name, (g, t0) in self.running.items()
                    if g == group
                ]
                table.add_row(
                    group,
                    *(f"{done[p]}/{totals.get(p, 0)}" for p in self.PHASES),
                    ", ".join(busy[:3]),
                )
        return table
