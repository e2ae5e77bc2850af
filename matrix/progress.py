"""What the user sees while a matrix runs: timed steps, live counts, CI log groups.

On a terminal, rich draws a live bar per phase; elsewhere each step prints
plain lines, folded into `::group::` sections when running on GitHub Actions.
Diagnostics go to logging; this module is only what the user is told.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["Reporter"]


class Reporter:
    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.github = os.environ.get("GITHUB_ACTIONS") == "true"
        self.console = Console(
            file=self.stream,
            highlight=False,
            # A message is one line however long: logs are read and grepped
            # whole, and rich would otherwise break lines at 80 columns.
            soft_wrap=True,
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
