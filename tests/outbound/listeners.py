"""Hostile HTTP servers on loopback: one that redirects, one that drips, one that floods.

Each is a plain TCP listener on 127.0.0.1 that counts the connections it
accepted and the requests it read, so a test can prove nothing reached it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Behaviour = Callable[[socket.socket], None]


@dataclass
class Listener:
    port: int
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _read_request(conn: socket.socket) -> bytes:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head


@contextmanager
def listener(behaviour: Behaviour) -> Iterator[Listener]:
    """Serve ``behaviour(conn)`` to each connection (after reading its request)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    state = Listener(port=server.getsockname()[1])
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                state.requests.append(_read_request(conn))
                behaviour(conn)
            except OSError:
                pass

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            state.connections += 1
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        thread.join(5)
        server.close()


def answer(status: str, headers: dict[str, str] | None = None, body: bytes = b"") -> Behaviour:
    """Answer ``status`` (e.g. "201 Created") with ``headers`` and ``body``."""

    def behaviour(conn: socket.socket) -> None:
        lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    return behaviour


def drip(every: float, for_at_most: float, *, in_body: bool = False) -> Behaviour:
    """Send a status line, then one byte every ``every`` seconds, ``for_at_most`` long.

    The bytes go into a header, or with ``in_body`` into a declared 100 kB body.
    """

    def behaviour(conn: socket.socket) -> None:
        start = b"Content-Length: 100000\r\n\r\n" if in_body else b"X-Slow: "
        conn.sendall(b"HTTP/1.1 201 Created\r\n" + start)
        end = time.monotonic() + for_at_most
        while time.monotonic() < end:
            time.sleep(every)
            conn.sendall(b"a")
        if not in_body:
            conn.sendall(b"\r\nContent-Length: 0\r\n\r\n")

    return behaviour
