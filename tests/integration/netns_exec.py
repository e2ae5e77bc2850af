"""Run a command inside the network namespace this process is in, after checking it.

    unshare -n -- python netns_exec.py COMMAND...

A new network namespace has only a loopback interface, and it is down; this
brings it up (the SIOCSIFFLAGS ioctl, what `ip link set lo up` does), checks
that loopback is the only interface, that it carries a connection and that
nothing beyond it is reachable, then replaces itself with COMMAND.  It
exits 3 when the namespace is not what it should be.
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import sys

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP))


def check() -> str:
    """'' when only a working loopback is there, else what is wrong."""
    names = [name for _, name in socket.if_nameindex()]
    if names != ["lo"]:
        return f"interfaces besides loopback: {names}"
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        socket.create_connection(server.getsockname(), timeout=5).close()
    try:
        socket.create_connection(("192.0.2.1", 9), timeout=2).close()
    except OSError:
        return ""
    return "an address beyond loopback is reachable"


def main(argv: list[str]) -> int:
    loopback_up()
    problem = check()
    if problem:
        print(f"netns_exec: {problem}", file=sys.stderr)
        return 3
    print("netns_exec: only loopback, and it is up", file=sys.stderr, flush=True)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
