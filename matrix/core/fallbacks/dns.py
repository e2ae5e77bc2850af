"""Name resolution through the socket module; loopback names, literals and hosts-file names only."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys

from . import fallback


@fallback("dns.localhost")
def localhost() -> tuple[object, str]:
    try:
        infos = socket.getaddrinfo("localhost", None, socket.AF_UNSPEC, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return "error", f"getaddrinfo(localhost): {exc}"
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    loopback = all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)
    return ("loopback" if loopback and addresses else "not loopback"), " ".join(addresses)


def _numeric(text: str, family: socket.AddressFamily) -> tuple[object, str]:
    try:
        infos = socket.getaddrinfo(text, None, family, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    except socket.gaierror as exc:
        return "error", f"getaddrinfo({text}): {exc}"
    return infos[0][4][0], f"getaddrinfo({text}, AI_NUMERICHOST)"


@fallback("dns.numeric_ipv4")
def numeric_ipv4() -> tuple[object, str]:
    return _numeric("127.0.0.1", socket.AF_INET)


@fallback("dns.numeric_ipv6")
def numeric_ipv6() -> tuple[object, str]:
    return _numeric("::1", socket.AF_INET6)


@fallback("dns.numeric_rejects_name")
def numeric_rejects_name() -> tuple[object, str]:
    try:
        socket.getaddrinfo("localhost", None, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    except socket.gaierror as exc:
        if exc.errno == socket.EAI_NONAME:
            return "EAI_NONAME", f"socket.gaierror EAI_NONAME ({exc.errno})"
        return "other error", f"socket.gaierror {exc.errno}: {exc.strerror}"
    return "accepted", "getaddrinfo(localhost, AI_NUMERICHOST) succeeded"


#: Under .test (RFC 6761), so no real zone and no ordinary hosts file has it.
HOSTS_NAME = "portmatrix-hosts.test"


def hosts_path() -> str:
    """The hosts file the system resolver reads."""
    if sys.platform == "win32":
        root = os.environ.get("SYSTEMROOT", r"C:\Windows")
        return os.path.join(root, "System32", "drivers", "etc", "hosts")
    return "/etc/hosts"


def _lists(path: str, name: str) -> bool:
    with open(path, errors="replace") as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if any(n.lower() == name for n in fields[1:]):
                return True
    return False


@fallback("dns.hosts_file")
def hosts_file() -> tuple[object, str]:
    # The name is resolved only when the hosts file lists it, so that no
    # query ever goes towards a real resolver.
    path = hosts_path()
    try:
        listed = _lists(path, HOSTS_NAME)
    except FileNotFoundError:
        return "no hosts file", f"{path} does not exist"
    if not listed:
        return "no entry", f"{path} does not list {HOSTS_NAME}; not resolved"
    try:
        infos = socket.getaddrinfo(HOSTS_NAME, None, socket.AF_INET, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return "error", f"getaddrinfo({HOSTS_NAME}): {exc}"
    return infos[0][4][0], f"{path} lists {HOSTS_NAME}; getaddrinfo answered"
