"""A real uvicorn server in a thread of the test process, so tests can look at its hub."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter

import notifications.routing
from notifications.realtime.hub import Hub, running_hubs
from tests.servers import free_port


@contextmanager
def uvicorn_in_thread() -> Iterator[int]:
    """Serve the package's socket route (session auth) on a free port; yield the port."""
    application = ProtocolTypeRouter(
        {"websocket": AuthMiddlewareStack(URLRouter(notifications.routing.websocket_urlpatterns))}
    )
    port = free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield port
    finally:
        for hub in running_hubs():
            asyncio.run_coroutine_threadsafe(hub.close(), hub.loop).result(5)
        server.should_exit = True
        thread.join(10)


def the_hub() -> Hub:
    """The hub of the server thread (the only running one)."""
    hubs = running_hubs()
    assert len(hubs) == 1, hubs
    return hubs[0]
