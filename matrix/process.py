"""Child processes that an interrupt can stop.

Every program a matrix run starts (zig, runners, probes) starts here, with an
argument list and in a process group of its own.  On Ctrl-C or SIGTERM the
command line calls `stop()`: the run is marked as stopping and every live
child's group is killed, so that the worker threads return at once instead
of working through their queue.  Any child that ends after that raises
`Stopped`, so nothing a killed child printed is ever taken for a result.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from collections.abc import Callable, Sequence
from typing import Any

from . import platforms

__all__ = ["Stopped", "at_stop", "finish", "run", "start", "stop", "stopping"]

log = logging.getLogger(__name__)

_STOPPING = threading.Event()
_LIVE: set[subprocess.Popen] = set()
_LOCK = threading.Lock()
_AT_STOP: list[Callable[[], object]] = []


class Stopped(Exception):
    """The run was interrupted; the work of this thread is abandoned."""


def stopping() -> bool:
    return _STOPPING.is_set()


def start(cmd: Sequence[str], **kwargs: Any) -> subprocess.Popen:
    """Popen(cmd) in its own process group, registered so that stop() can kill it."""
    with _LOCK:
        if _STOPPING.is_set():
            raise Stopped
        proc = subprocess.Popen(list(cmd), **platforms.process_group_options(), **kwargs)
        _LIVE.add(proc)
    return proc


def finish(proc: subprocess.Popen) -> None:
    """Forget a child that has been waited for; raise Stopped if the run is stopping."""
    with _LOCK:
        _LIVE.discard(proc)
    if _STOPPING.is_set():
        raise Stopped


def kill(proc: subprocess.Popen) -> None:
    with _LOCK:
        platforms.kill_process_group(proc)


def run(
    cmd: Sequence[str], *, timeout: float | None = None, **kwargs: Any
) -> subprocess.CompletedProcess:
    """subprocess.run with output captured, stoppable, killing the whole group on timeout."""
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    proc = start(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(proc)
        proc.communicate()
        finish(proc)
        raise
    except BaseException:
        kill(proc)
        proc.wait()
        with _LOCK:
            _LIVE.discard(proc)
        raise
    finish(proc)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def at_stop(cleanup: Callable[[], object]) -> None:
    """Call `cleanup` when the run stops: for what killing a child leaves behind
    (a container keeps running when its docker client is killed)."""
    _AT_STOP.append(cleanup)


def stop() -> None:
    """Mark the run as stopping and kill every live child (called on Ctrl-C or SIGTERM)."""
    _STOPPING.set()
    with _LOCK:
        for proc in list(_LIVE):
            platforms.kill_process_group(proc)
    for cleanup in _AT_STOP:
        try:
            cleanup()
        except Exception:  # a failed clean-up must not hide the interrupt
            log.warning("clean-up at stop failed", exc_info=True)
