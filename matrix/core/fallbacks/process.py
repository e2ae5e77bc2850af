"""Process and environment through subprocess, os.environ and socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from . import fallback

#: A child Python that starts fast: isolated mode, no site packages.
QUICK_PYTHON = [sys.executable, "-I", "-S", "-c"]
#: The same variable spelt two ways; the mixed case is the point of the probe.
SET_AS, READ_AS = "PM_Case_Probe", "PM_CASE_PROBE"
#: A child's exit code tells how it sees the variable set to "".
EMPTY_CHECK = "import os, sys; sys.exit({None: 1, '': 0}.get(os.environ.get('PM_EMPTY_PROBE'), 2))"


@fallback("process.exit_status_256")
def exit_status_256() -> tuple[object, str]:
    proc = subprocess.run([*QUICK_PYTHON, "raise SystemExit(256)"], timeout=30)
    return proc.returncode, f"child exited with 256, returncode {proc.returncode}"


@fallback("process.env_case")
def env_case() -> tuple[object, str]:
    os.environ[SET_AS] = "1"
    try:
        found = READ_AS in os.environ
    finally:
        os.environ.pop(SET_AS, None)
    value = "case-insensitive" if found else "case-sensitive"
    return value, f"set {SET_AS}, {READ_AS} {'found' if found else 'not found'}"


@fallback("process.setenv_empty")
def setenv_empty() -> tuple[object, str]:
    # os.environ always holds what was assigned; only a child shows what the
    # process environment itself kept.
    os.environ["PM_EMPTY_PROBE"] = ""
    try:
        check = (
            "import os, sys; sys.exit({None: 1, '': 0}.get(os.environ.get('PM_EMPTY_PROBE'), 2))"
        )
        code = subprocess.run([*QUICK_PYTHON, check], timeout=30).returncode
    finally:
        os.environ.pop("PM_EMPTY_PROBE", None)
    value = {0: "empty", 1: "removed"}.get(code, "changed")
    return value, f"a child saw PM_EMPTY_PROBE {value}"


@fallback("process.connect_refused_errno")
def connect_refused_errno() -> tuple[object, str]:
    # A bound but not listening loopback socket refuses connections, and
    # holding it keeps other programs off the port.
    with socket.socket() as bound, socket.socket() as client:
        bound.bind(("127.0.0.1", 0))
        address = bound.getsockname()
        try:
            client.connect(address)
        except OSError as exc:
            return exc.errno, f"connect to {address[0]}:{address[1]}: {type(exc).__name__}"
    return "connected", "a non-listening port accepted the connection"
