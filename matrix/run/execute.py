"""Running probes through a runner, so that a fault costs only its own cell.

All requested probes run in one process first; the program prints and
flushes one JSON line per probe.  If that process crashes, hangs or prints
something unreadable, every probe without a good line runs again alone, and
the outcome of that lone run (crashed with its signal or exit code, timed
out with its limit, bad output) is its cell.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..results import Column, How, Observation, Outcome
from ..targets import Target
from .base import Runner

__all__ = ["DEFAULT_TIMEOUT", "MAX_OUTPUT", "Probed", "run_probes"]

log = logging.getLogger(__name__)

#: Seconds one probe may take when the catalogue sets no limit of its own.
DEFAULT_TIMEOUT = 20.0
#: Bytes of a program's output read before it counts as bad output.
MAX_OUTPUT = 1 << 20
#: A runner's start-up allowance on top of the probes' own limits (wine's
#: first start creates its prefix).
STARTUP_ALLOWANCE = 60.0


@dataclass(frozen=True)
class Probed:
    """One probe to run, with its time limit."""

    id: str
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class _Exit:
    lines: dict[str, dict]
    junk: str
    returncode: int | None  # None: killed at the time limit
    stderr: str
    seconds: float


def run_probes(
    runner: Runner,
    target: Target,
    program: Path,
    probes: Sequence[Probed],
    how: How,
    column: Column,
) -> list[Observation]:
    """Run `probes` with `program` under `runner`; one observation per probe, always."""
    if not probes:
        return []
    base = runner.command(target, program)
    env = {**os.environ, **runner.environment(target)}
    limit = STARTUP_ALLOWANCE + sum(p.timeout for p in probes)
    first = _run([*base, *(p.id for p in probes)], env, limit)
    if not first.lines and first.returncode != 0:
        smoke = _run([*base, "--list"], env, STARTUP_ALLOWANCE)
        if smoke.returncode != 0:
            reason = (
                f"{runner.name} could not start the program: "
                + describe_exit(smoke.returncode, smoke.stderr)
                if smoke.returncode is not None
                else (f"{runner.name} did not start the program within {STARTUP_ALLOWANCE:g} s")
            )
            return [Observation(p.id, column, how, Outcome.NOT_RUN, None, reason) for p in probes]
    results = {}
    for p in probes:
        line = first.lines.get(p.id)
        if line is not None:
            results[p.id] = _observed(p.id, line, how, column, first.seconds / len(probes))
    for p in probes:
        if p.id in results:
            continue
        alone = _run([*base, p.id], env, p.timeout + STARTUP_ALLOWANCE / 4)
        line = alone.lines.get(p.id)
        if line is not None and alone.returncode == 0:
            results[p.id] = _observed(p.id, line, how, column, alone.seconds)
        else:
            results[p.id] = _fault(p, alone, how, column, runner)
    return [results[p.id] for p in probes]


def _run(cmd: list[str], env: dict[str, str], timeout: float) -> _Exit:
    started = time.monotonic()
    log.debug("running %s", cmd)
    try:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
        out, err, rc = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        out, err, rc = exc.stdout or b"", exc.stderr or b"", None
    except OSError as exc:
        out, err, rc = b"", str(exc).encode(), 127
    lines, junk = _parse(out[:MAX_OUTPUT])
    if len(out) > MAX_OUTPUT:
        junk = f"{len(out)} bytes of output, more than the {MAX_OUTPUT} allowed"
    text = err[-4000:].decode("utf-8", "replace")
    return _Exit(lines, junk, rc, text, time.monotonic() - started)


def _parse(out: bytes) -> tuple[dict[str, dict], str]:
    lines, junk = {}, ""
    for raw in out.splitlines():
        text = raw.decode("utf-8", "replace").strip()
        if not text:
            continue
        try:
            obj = json.loads(text)
        except ValueError:
            junk = junk or text[:200]
            continue
        if isinstance(obj, dict) and isinstance(obj.get("probe"), str) and "value" in obj:
            lines[obj["probe"]] = obj
        else:
            junk = junk or text[:200]
    return lines, junk


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
    if ran.returncode is None:
        return Observation(
            p.id,
            column,
            how,
            Outcome.TIMED_OUT,
            None,
            f"no result within {p.timeout:g} s",
            ran.seconds,
        )
    if ran.returncode == 127 and not ran.lines:
        return Observation(
            p.id,
            column,
            how,
            Outcome.NOT_RUN,
            None,
            f"{runner.name} could not start the program: {ran.stderr.strip()[:200]}",
        )
    if ran.junk and ran.returncode == 0:
        return Observation(
            p.id,
            column,
            how,
            Outcome.BAD_OUTPUT,
            None,
            f"unreadable output: {ran.junk!r}",
            ran.seconds,
        )
    return Observation(
        p.id,
        column,
        how,
        Outcome.CRASHED,
        None,
        describe_exit(ran.returncode, ran.stderr),
        ran.seconds,
    )


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
