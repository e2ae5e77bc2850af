"""Run commands in a private /etc that holds only a hosts file (no nsswitch.conf).

Started by test_catalogue_values.py as `unshare --mount --net --fork -- python
hosts_only.py HOSTS_LINE COMMAND_JSON...`: the new mount namespace gets a tmpfs
over /etc with nothing but the hosts file, and the new network namespace has
no interface up, so a resolver that tried DNS could reach nothing at all.
Prints one JSON object per command: its argument list, exit code and stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    hosts_line, *commands = argv
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", "/etc"], check=True)
    Path("/etc/hosts").write_text(hosts_line + "\n", "utf-8")
    for text in commands:
        cmd = json.loads(text)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        print(json.dumps({"cmd": cmd, "rc": proc.returncode, "stdout": proc.stdout}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
