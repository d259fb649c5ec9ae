"""A DNS stand-in for ``NOTIFICATIONS["OUTBOUND_RESOLVER"]``: names the tests control.

Names not in :data:`zone` go to the real resolver, so ``localhost`` keeps its
real answer.
"""

from __future__ import annotations

import socket

#: host -> the addresses it resolves to now (tests change it between calls).
zone: dict[str, list[str]] = {}


def resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host``: from :data:`zone`, else the system's resolver."""
    if host in zone:
        return list(zone[host])
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))
