"""`python -m matrix.core [--backend B] [--list | --info] [PROBE...]`: one JSON line per probe.

The same protocol as the portprobe executable, so the matrix runs both
backends the same way.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import BACKENDS, backend, names, run
from . import status as backend_status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matrix.core", description=__doc__)
    parser.add_argument("--backend", choices=BACKENDS, default=None)
    parser.add_argument("--list", action="store_true", help="print the probe names")
    parser.add_argument(
        "--info", action="store_true", help="print the backend and the native library, as JSON"
    )
    parser.add_argument("probes", nargs="*")
    args = parser.parse_args(argv)
    if args.info:
        print(json.dumps(backend_status(args.backend), sort_keys=True))
        return 0
    chosen = backend(args.backend)
    available = names(chosen)
    if args.list:
        print("\n".join(available))
        return 0
    status = 0
    for name in args.probes or available:
        if name not in available:
            print(f"python -m matrix.core: no probe named '{name}' ({chosen})", file=sys.stderr)
            status = 2
            continue
        print(json.dumps(run(name, chosen), sort_keys=True), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
