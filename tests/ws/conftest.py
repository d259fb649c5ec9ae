"""Fixtures of the WebSocket tests: the real ASGI stack, real sessions, a clean layer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.db import close_old_connections

from tests.support import session_cookie
from tests.ws.support import FRAME_TIMEOUT, PATH, in_thread, session_application

Opener = Callable[..., Awaitable[WebsocketCommunicator]]


@pytest.fixture
async def sockets() -> AsyncIterator[list[WebsocketCommunicator]]:
    """Communicators opened by the test; every one is disconnected at the end."""
    opened: list[WebsocketCommunicator] = []
    yield opened
    for communicator in opened:
        await communicator.disconnect()
    # A consumer that crashed can leave the worker thread's connection open; a
    # database_sync_to_async call closes it (else the test database cannot be dropped).
    await in_thread(close_old_connections)()


@pytest.fixture
def open_socket(sockets: list[WebsocketCommunicator]) -> Opener:
    """``await open_socket(user)``: a socket connected with ``user``'s session cookie.

    ``user=None`` connects without a session; ``application``, ``path``,
    ``headers`` and ``subprotocols`` change the handshake. With
    ``expect_accept=False`` the handshake must be refused; the close code is
    then in ``communicator.outcome``, the chosen subprotocol otherwise.
    """

    async def open_(
        user: Any = None,
        *,
        application: Any = None,
        path: str = PATH,
        headers: list[tuple[bytes, bytes]] | None = None,
        subprotocols: list[str] | None = None,
        expect_accept: bool = True,
    ) -> WebsocketCommunicator:
        all_headers = list(headers or [])
        if user is not None:
            all_headers.append((b"cookie", await in_thread(session_cookie)(user)))
        communicator = WebsocketCommunicator(
            application or session_application(),
            path,
            headers=all_headers,
            subprotocols=subprotocols,
        )
        sockets.append(communicator)
        connected, outcome = await communicator.connect(timeout=FRAME_TIMEOUT)
        communicator.outcome = outcome  # type: ignore[attr-defined]
        assert connected is expect_accept, f"connected={connected} ({outcome})"
        return communicator

    return open_
