"""Running probes through a runner, so that a fault costs only its own cell.

The requested probes run in one process, in order; the program prints and
flushes one JSON line per probe, so the probe running at any moment is the
one after the last line.  Its time limit counts from that line: a probe that
passes it is timed out at once, the process is killed, and the probes after
it run on in a new process.  A probe whose line is missing because the
process crashed, or whose line comes after unreadable output, runs again
alone, and the outcome of that lone run (crashed with its signal or exit
code, timed out with its limit, bad output) is its cell.  Output is read up
to MAX_OUTPUT bytes and the process killed beyond, so no probe can make the
harness hold more than that.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .. import process
from ..results import Column, How, Observation, Outcome
from ..targets import Target
from .base import Runner

__all__ = ["DEFAULT_TIMEOUT", "MAX_OUTPUT", "Probed", "describe_exit", "run_probes"]

log = logging.getLogger(__name__)

#: Seconds one probe may take when the catalogue sets no limit of its own.
DEFAULT_TIMEOUT = 20.0
#: Bytes of a program's output read before it counts as bad output.
MAX_OUTPUT = 1 << 20
#: Bytes of a program's standard error kept, from its end, for the cell.
STDERR_TAIL = 4000
#: A runner's start-up allowance on top of the first probe's limit (wine's
#: first start creates its prefix).  Once a program has started, the later
#: processes of the same run get a few times its start-up time instead, at
#: least MIN_STARTUP, so that a hang costs little more than its own limit.
STARTUP_ALLOWANCE = 60.0
MIN_STARTUP = 2.0
#: Seconds output may still come after the program has exited.
GRACE = 0.25

#: Called with each probe's observation as soon as it is known.
OnResult = Callable[[Observation], None]


@dataclass(frozen=True)
class Probed:
    """One probe to run, with its time limit."""

    id: str
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class _Exit:
    lines: dict[str, dict]  # the result lines no unreadable output preceded
    junk: str  # the first unreadable line, if any
    returncode: int | None  # None: killed at a time limit
    stderr: str
    seconds: float
    late: str | None = None  # the probe whose limit passed
    overflow: int = 0  # bytes read when the output passed MAX_OUTPUT
    first_line: float | None = None  # seconds from the start to the first line


def run_probes(
    runner: Runner,
    target: Target,
    program: Path,
    probes: Sequence[Probed],
    how: How,
    column: Column,
    on_result: OnResult = lambda o: None,
    known: Mapping[str, Observation] | None = None,
) -> list[Observation]:
    """Run `probes` with `program` under `runner`; one observation per probe, always.

    `on_result` sees each new observation as soon as it is known, so that a
    caller can store it before the rest have run; the probes in `known`
    (results stored by an earlier run) are not run again.
    """
    results: dict[str, Observation] = {p.id: known[p.id] for p in probes if p.id in (known or {})}
    if len(results) == len(probes):
        return [results[p.id] for p in probes]
    base = runner.command(target, program)
    env = {**os.environ, **runner.environment(target)}

    def record(obs: Observation) -> None:
        results[obs.probe] = obs
        on_result(obs)

    def accept(p: Probed, line: dict, seconds: float) -> None:
        record(_observed(p.id, line, how, column, seconds))

    pending, first = [p for p in probes if p.id not in results], True
    startup = STARTUP_ALLOWANCE
    while pending:
        ran, batch = pending, _run(base, env, pending, accept, startup)
        startup = _learn_startup(startup, batch)
        if first and not batch.lines and batch.returncode != 0:
            reason = _does_not_start(base, env, runner)
            if reason:
                not_run = Observation("", column, how, Outcome.NOT_RUN, None, reason)
                return [results.get(p.id) or replace(not_run, probe=p.id) for p in probes]
        first = False
        rest = [p for p in pending if p.id not in results]
        if not rest:
            break
        culprit, pending = rest[0], rest[1:]
        if batch.late != culprit.id and len(ran) > 1:
            # Others ran in the same process: only a lone run tells whether
            # the crash or the unreadable output is this probe's own.
            batch = _run(base, env, [culprit], accept, startup)
        if culprit.id not in results:
            record(_fault(culprit, batch, how, column, runner))
    return [results[p.id] for p in probes]


def _learn_startup(startup: float, batch: _Exit) -> float:
    """The start-up allowance after seeing a process start: a few times what it took.

    The first line shows how long the start took; a process that ended on its
    own without one (a crash in its first probe) started within its run time.
    """
    if batch.first_line is not None:
        seen = batch.first_line
    elif batch.returncode is not None and batch.late is None and not batch.overflow:
        seen = batch.seconds
    else:
        return startup
    return min(startup, max(MIN_STARTUP, 4 * seen))


def _does_not_start(base: list[str], env: dict[str, str], runner: Runner) -> str:
    """Why the runner cannot start the program at all, or '' when it can."""
    # "--list" stands in for a probe with no time of its own: the limit is
    # the start-up allowance alone.
    smoke = _run(base, env, [Probed("--list", 0.0)], lambda p, line, s: None, STARTUP_ALLOWANCE)
    if smoke.returncode == 0:
        return ""
    if smoke.returncode is None:
        return f"{runner.name} did not start the program within {STARTUP_ALLOWANCE:g} s"
    return f"{runner.name} could not start the program: " + describe_exit(
        smoke.returncode, smoke.stderr
    )


def _run(
    base: list[str],
    env: dict[str, str],
    probes: Sequence[Probed],
    accept: Callable[[Probed, dict, float], None],
    startup: float,
) -> _Exit:
    """Run base + the probes' ids, passing each clean result line to `accept` as it comes."""
    cmd = [*base, *(p.id for p in probes)]
    started = time.monotonic()
    log.debug("running %s", cmd)
    try:
        proc = process.start(
            cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    except OSError as exc:
        return _Exit({}, "", 127, str(exc), 0.0)
    events: queue.Queue[tuple[str, bytes | int]] = queue.Queue()
    err = bytearray()
    helpers = [
        threading.Thread(target=_read_lines, args=(proc.stdout, events), daemon=True),
        threading.Thread(target=_read_tail, args=(proc.stderr, err), daemon=True),
        threading.Thread(target=lambda: events.put(("exit", proc.wait())), daemon=True),
    ]
    for helper in helpers:
        helper.start()
    watch = _Watch(probes, started, startup, accept)
    try:
        watch.follow(events)
    finally:
        process.kill(proc)
        proc.wait()
        for helper in helpers:
            helper.join(timeout=GRACE)
        process.finish(proc)
    returncode = None if watch.late else proc.returncode
    tail = bytes(err[-STDERR_TAIL:]).decode("utf-8", "replace")
    seconds = time.monotonic() - started
    first_line = watch.first_line - started if watch.first_line is not None else None
    return _Exit(
        watch.lines, watch.junk, returncode, tail, seconds, watch.late, watch.overflow, first_line
    )


class _Watch:
    """Follows a program's output line by line against the running probe's deadline."""

    def __init__(
        self,
        probes: Sequence[Probed],
        started: float,
        startup: float,
        accept: Callable[[Probed, dict, float], None],
    ) -> None:
        self.probes = list(probes)
        self.position = {p.id: i for i, p in enumerate(self.probes)}
        self.accept = accept
        self.since = started
        self.startup = startup
        self.first_line: float | None = None
        self.running = 0
        self.lines: dict[str, dict] = {}
        self.junk = ""
        self.tainted = False
        self.late: str | None = None
        self.overflow = 0

    def deadline(self) -> float:
        """When the running probe's limit passes (the first one also gets the start-up)."""
        if self.running >= len(self.probes):
            return self.since + MIN_STARTUP
        allowance = self.startup if self.running == 0 else 0.0
        return self.since + allowance + self.probes[self.running].timeout

    def follow(self, events: queue.Queue) -> None:
        """Take output until the program has exited and its output has ended or gone quiet.

        A program's own children may keep its output open after it exits
        (wine's wineserver does, for seconds), so the end of the output is
        not awaited past GRACE once the program is gone.
        """
        exited = ended = False
        while not (exited and ended):
            limit = time.monotonic() + GRACE if exited else self.deadline()
            try:
                kind, data = events.get(timeout=max(0.0, limit - time.monotonic()))
            except queue.Empty:
                if not exited:
                    self.late = self._running_id()
                return
            match kind:
                case "exit":
                    exited = True
                case "eof":
                    ended = True
                case "overflow":
                    self.overflow = int(data)
                    return
                case _:
                    self._line(bytes(data))

    def _running_id(self) -> str:
        return self.probes[self.running].id if self.running < len(self.probes) else "(exit)"

    def _line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").strip()
        if not text:
            return
        obj = _result_line(text)
        pid = obj.get("probe") if obj else None
        # Probes run in order, so only the running probe's line is believed;
        # any other line, even well-formed, is output nobody can vouch for.
        if self.position.get(pid) != self.running:
            self.junk = self.junk or text[:200]
            self.tainted = True
            return
        now = time.monotonic()
        if self.first_line is None:
            self.first_line = now
        if not self.tainted:
            self.lines[pid] = obj
            self.accept(self.probes[self.position[pid]], obj, now - self.since)
        self.tainted = False
        self.running = self.position[pid] + 1
        self.since = now


def _result_line(text: str) -> dict | None:
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if isinstance(obj, dict) and isinstance(obj.get("probe"), str) and "value" in obj:
        return obj
    return None


def _read_lines(stream, events: queue.Queue) -> None:
    """Queue the stream's lines until its end, or until MAX_OUTPUT bytes have come."""
    total = 0
    try:
        while line := stream.readline(MAX_OUTPUT - total + 1):
            total += len(line)
            if total > MAX_OUTPUT:
                events.put(("overflow", total))
                return
            events.put(("line", line))
    except (OSError, ValueError):
        pass
    finally:
        # The reader closes its own pipe: it alone knows when it is done
        # with it, which may be after the program (see _Watch.follow).
        stream.close()
        events.put(("eof", 0))


def _read_tail(stream, tail: bytearray) -> None:
    """Read the stream to its end, keeping only its last STDERR_TAIL bytes."""
    try:
        while chunk := stream.read1(65536):
            tail += chunk
            del tail[:-STDERR_TAIL]
    except (OSError, ValueError):
        pass
    finally:
        stream.close()


def _observed(pid: str, line: dict, how: How, column: Column, seconds: float) -> Observation:
    value = line["value"]
    if value is not None and not isinstance(value, (int, str, bool)):
        return Observation(
            pid,
            column,
            how,
            Outcome.BAD_OUTPUT,
            None,
            f"value of type {type(value).__name__} is not a scalar",
        )
    if isinstance(value, str) and len(value) > 1000:
        return Observation(
            pid, column, how, Outcome.BAD_OUTPUT, None, f"value of {len(value)} characters"
        )
    detail = str(line.get("detail", ""))[:500]
    return Observation(pid, column, how, Outcome.OK, value, detail, seconds)


def _fault(p: Probed, ran: _Exit, how: How, column: Column, runner: Runner) -> Observation:
    """The cell of a probe that gave no clean result line, from how its run ended."""

    def cell(outcome: Outcome, detail: str) -> Observation:
        return Observation(p.id, column, how, outcome, None, detail, ran.seconds)

    if ran.overflow:
        return cell(
            Outcome.BAD_OUTPUT, f"more than {MAX_OUTPUT} bytes of output; the run was stopped"
        )
    if ran.late is not None or ran.returncode is None:
        return cell(Outcome.TIMED_OUT, f"no result within {p.timeout:g} s")
    if ran.returncode == 127 and not ran.lines and not ran.junk:
        return cell(
            Outcome.NOT_RUN,
            f"{runner.name} could not start the program: {ran.stderr.strip()[:200]}",
        )
    if ran.returncode != 0:
        return cell(Outcome.CRASHED, describe_exit(ran.returncode, ran.stderr))
    if ran.junk:
        return cell(Outcome.BAD_OUTPUT, f"unreadable output: {ran.junk!r}")
    return cell(Outcome.BAD_OUTPUT, "the program exited 0 without a result line")


def describe_exit(rc: int, stderr: str) -> str:
    """'killed by SIGSEGV', 'exit status 3' or a Windows NTSTATUS, and the last stderr line."""
    if rc < 0:
        try:
            text = f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            text = f"killed by signal {-rc}"
    elif rc >= 0xC0000000:
        text = f"exit status 0x{rc:08X} (NTSTATUS)"
    elif rc > 128 and rc - 128 < 65:
        try:
            text = f"exit status {rc} (signal {signal.Signals(rc - 128).name})"
        except ValueError:
            text = f"exit status {rc}"
    else:
        text = f"exit status {rc}"
    tail = stderr.strip().splitlines()[-1:] if stderr.strip() else []
    return f"{text}: {tail[0][:200]}" if tail else text
