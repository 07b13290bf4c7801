"""Refuse network connections that leave the machine, from inside a Python process.

Used twice: by ``tests/conftest.py`` in the pytest process, and by ``server_site/sitecustomize.py`` in the
Streamlit server the browser tests start. Standard library only, because sitecustomize runs before anything
else is importable.

Allowed: unix sockets, loopback addresses (127.0.0.0/8, ::1), and the names ``localhost`` / ``*.localhost``.
Anything else is recorded through the ``report`` callback and refused with :class:`OffsiteConnectionError`.
Name lookups of other hosts are refused too (they would send a DNS query).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

_ORIGINAL = {
    "connect": socket.socket.connect,
    "connect_ex": socket.socket.connect_ex,
    "sendto": socket.socket.sendto,
    "getaddrinfo": socket.getaddrinfo,
}


class OffsiteConnectionError(ConnectionRefusedError):
    """A connection to a host outside the machine was attempted while the guard was on."""


def is_local_host(host: object) -> bool:
    """True for loopback IP literals, ``localhost`` names, this machine's own name, and empty hosts."""
    if host is None or host in ("", b""):
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%", 1)[0].rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def is_local_address(family: int, address: object) -> bool:
    """True when a socket address (as given to ``connect``) stays on this machine."""
    if family == getattr(socket, "AF_UNIX", object()) or isinstance(address, (str, bytes)):
        return True
    if isinstance(address, tuple) and address:
        return is_local_host(address[0])
    return False


def install(report: Callable[[str], None]) -> None:
    """Patch ``socket`` so that offsite connections call ``report(description)`` and raise."""

    def refuse(what: str) -> OffsiteConnectionError:
        report(what)
        return OffsiteConnectionError(f"network access outside the machine is not allowed in tests: {what}")

    def connect(self, address):
        if not is_local_address(self.family, address):
            raise refuse(f"connect {address!r}")
        return _ORIGINAL["connect"](self, address)

    def connect_ex(self, address):
        if not is_local_address(self.family, address):
            raise refuse(f"connect {address!r}")
        return _ORIGINAL["connect_ex"](self, address)

    def sendto(self, data, *args):
        address = args[-1]
        if not is_local_address(self.family, address):
            raise refuse(f"sendto {address!r}")
        return _ORIGINAL["sendto"](self, data, *args)

    def getaddrinfo(host, *args, **kwargs):
        if not is_local_host(host) and host != socket.gethostname():
            raise refuse(f"name lookup {host!r}")
        return _ORIGINAL["getaddrinfo"](host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.sendto = sendto
    socket.getaddrinfo = getaddrinfo


def uninstall() -> None:
    """Undo :func:`install`."""
    socket.socket.connect = _ORIGINAL["connect"]
    socket.socket.connect_ex = _ORIGINAL["connect_ex"]
    socket.socket.sendto = _ORIGINAL["sendto"]
    socket.getaddrinfo = _ORIGINAL["getaddrinfo"]
