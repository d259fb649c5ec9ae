"""The ``ws/notifications`` socket: every push for the connected user, on every device.

A small ASGI application of the package's own (no channel layer): it registers the
socket with this worker's :class:`~notifications.realtime.hub.Hub` before accepting, so that
once the client sees the connection open every later push reaches it, and
unregisters it on every way out: a normal close, a handshake the client abandoned,
an error. It runs behind Channels' ``URLRouter`` and ``AuthMiddlewareStack``
(``scope["user"]``, ``scope["session"]``) or the package's token middleware.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from notifications.exceptions import BusUnavailable
from notifications.realtime.hub import (
    CLOSE_BUS_UNAVAILABLE,
    CLOSE_UNAUTHENTICATED,
    Socket,
    get_hub,
)

logger = logging.getLogger("notifications")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

#: Raised by ASGI servers' ``send`` when the client is already gone (uvicorn's
#: ``ClientDisconnected`` is an OSError; daphne and others raise RuntimeError).
GONE = (OSError, RuntimeError)

__all__ = ["CLOSE_BUS_UNAVAILABLE", "CLOSE_UNAUTHENTICATED", "NotificationsConsumer"]


class NotificationsConsumer:
    """Serves one notifications socket; ``NotificationsConsumer.as_asgi()`` in routing.

    Anonymous connections are closed before the handshake completes (4401). When the
    bus is down the socket is accepted and closed at once with 1013, which a client
    can tell from an authentication failure. Client frames carry no commands and are
    ignored: a socket only ever hears its own user's pushes.
    """

    @classmethod
    def as_asgi(cls) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        """The ASGI application, as Channels consumers spell it."""

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await cls()(scope, receive, send)

        app.consumer_class = cls  # type: ignore[attr-defined]
        return app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or (await receive())["type"] != "websocket.connect":
            return
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            with contextlib.suppress(*GONE):
                await send({"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED})
            return
        token_key = scope.get("notifications_token")
        socket = Socket(
            user.pk,
            send,
            session_key=None if token_key else _session_key(scope),
            token_key=token_key,
        )
        hub = get_hub()
        try:
            await hub.register(socket)
        except BusUnavailable:
            await _refuse_for_now(send)
            return
        try:
            await self._serve(scope, receive, send, socket)
        finally:
            hub.unregister(socket)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, socket: Socket) -> None:
        subprotocol = "token" if "token" in (scope.get("subprotocols") or ()) else None
        try:
            await send({"type": "websocket.accept", "subprotocol": subprotocol})
        except GONE:
            logger.debug("Client left during the handshake")
            return
        writer = asyncio.ensure_future(_write(socket))
        reader = asyncio.ensure_future(_read_until_disconnect(receive))
        try:
            await asyncio.wait({writer, reader}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (writer, reader):
                task.cancel()
            for task in (writer, reader):
                with contextlib.suppress(asyncio.CancelledError, *GONE):
                    await task


async def _write(socket: Socket) -> None:
    with contextlib.suppress(*GONE):
        await socket.write()


async def _read_until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "websocket.disconnect":
        pass  # client frames are ignored


async def _refuse_for_now(send: Send) -> None:
    with contextlib.suppress(*GONE):
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": CLOSE_BUS_UNAVAILABLE})


def _session_key(scope: Scope) -> str | None:
    session = scope.get("session")
    key = getattr(session, "session_key", None) if session is not None else None
    return str(key) if key else None
