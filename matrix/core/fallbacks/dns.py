"""Name resolution through the socket module; loopback names and literals only."""

from __future__ import annotations

import ipaddress
import socket

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
