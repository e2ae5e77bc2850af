"""A stand-in for portprobe that misbehaves on request, for the executor's tests.

    misbehave.py NAME...     one result line per NAME, in order; NAME says what to do
    misbehave.py --list      the names, like portprobe

It speaks portprobe's protocol (one flushed JSON line per probe), so the
executor runs it exactly as it runs the native core: as a real process that
really crashes, hangs or floods its output.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time


def result(name: str, value: object) -> None:
    print(json.dumps({"probe": name, "value": value}), flush=True)


def behave(name: str) -> None:
    kind = name.split(".")[1]
    match kind:
        case "ok":
            result(name, 1)
        case "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        case "exit":
            sys.exit(3)
        case "hang":
            time.sleep(3600)
        case "flood":  # 3 MiB without a newline
            sys.stdout.write("x" * (3 << 20))
            sys.stdout.flush()
            result(name, 1)
        case "stderr":  # floods standard error, then behaves
            sys.stderr.write("e" * (8 << 20))
            result(name, 1)
        case "noise":
            print("junk before the result", flush=True)
            result(name, 1)
        case "list":
            result(name, [1, 2])
        case "long":
            result(name, "v" * 5000)
        case "forged":  # a line for another probe, then its own
            result("x.ok", 99)
            result(name, 1)
        case "silent":
            pass
        case "closed":  # closes its output, then hangs
            os.close(1)
            time.sleep(3600)
        case "orphan":  # leaves a child holding the output open, as wineserver does
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
            result(name, 1)


def main() -> int:
    if sys.argv[1:] == ["--list"]:
        return int(os.environ.get("MISBEHAVE_LIST_STATUS", "0"))
    for name in sys.argv[1:]:
        behave(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
