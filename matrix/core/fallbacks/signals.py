"""Signals through the signal module."""

from __future__ import annotations

import signal
import time

from . import fallback


def _raise_and_catch(name: str) -> tuple[object, str]:
    signo = getattr(signal, name, None)
    if signo is None:
        return "absent", f"the signal module has no {name}"
    caught: list[int] = []
    previous = signal.signal(signo, lambda s, _frame: caught.append(s))
    try:
        signal.raise_signal(signo)
        # The C-level handler only sets a flag; Python runs its handler at the
        # next bytecode boundary, which these iterations provide.
        deadline = time.monotonic() + 1.0
        while not caught and time.monotonic() < deadline:
            time.sleep(0.001)
    finally:
        signal.signal(signo, previous)
    if not caught:
        return "not delivered", f"no handler call for {name}"
    return int(caught[0]), f"handler received signal {int(caught[0])}"


@fallback("signals.sigusr1_raise")
def sigusr1() -> tuple[object, str]:
    return _raise_and_catch("SIGUSR1")


@fallback("signals.sigchld_raise")
def sigchld() -> tuple[object, str]:
    return _raise_and_catch("SIGCHLD")


@fallback("signals.sigterm_raise")
def sigterm() -> tuple[object, str]:
    return _raise_and_catch("SIGTERM")


@fallback("signals.sigbreak_raise")
def sigbreak() -> tuple[object, str]:
    return _raise_and_catch("SIGBREAK")
