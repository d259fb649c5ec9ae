"""The ``ws/notifications`` socket: every push for the connected user, on every device."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from notifications.conf import notifications_settings
from notifications.transports.channels import DELIVERY_ERRORS, PUSH_TYPE, group_name

logger = logging.getLogger("notifications")

#: Close code for a connection without an authenticated user.
CLOSE_UNAUTHENTICATED = 4401
#: Close code when the server cannot serve the socket (no or a failing channel layer).
CLOSE_UNAVAILABLE = 1011


class NotificationsConsumer(AsyncWebsocketConsumer):
    """Joins the user's group before accepting, then forwards pushes as text frames.

    Anonymous connections are closed before the handshake completes. Client
    frames carry no commands: a socket can only ever hear its own user's group,
    so whatever a client sends is ignored.
    """

    group: str | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Run the consumer; a failing channel layer closes the socket with 1011.

        Without this, a layer error (Redis down) escapes as an ASGI application
        error with a traceback per socket. The client reconnects later and
        catches up through the REST list.
        """
        try:
            await super().__call__(scope, receive, send)
        except DELIVERY_ERRORS as error:
            logger.error("Channel layer failed, closing the socket with 1011: %r", error)
            with contextlib.suppress(OSError, RuntimeError):  # The connection is already gone.
                await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE})

    @property
    def channel_layer_alias(self) -> str:
        return str(notifications_settings.CHANNEL_LAYER)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if self.channel_layer is None:
            logger.error("No channel layer %r: refusing the socket.", self.channel_layer_alias)
            await self.close(code=CLOSE_UNAVAILABLE)
            return
        self.group = group_name(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        subprotocol = "token" if "token" in self.scope.get("subprotocols", ()) else None
        await self.accept(subprotocol=subprotocol)

    async def disconnect(self, code: int) -> None:
        if self.group is None or self.channel_layer is None:
            return
        # A burst of disconnects can exhaust the layer's connection pool for a moment
        # (redis-py 8 raises instead of waiting): retry, else the membership would
        # stay in Redis until group_expiry.
        for delay in (0.05, 0.25, 1.0, None):
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
                return
            except DELIVERY_ERRORS:
                if delay is None:
                    raise
                await asyncio.sleep(delay)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Client frames are ignored (they cannot change what the socket hears)."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Forward pushes straight away; other messages go through Channels' dispatch.

        Channels (>= 4.2) closes stale database connections before every handler,
        a hop to the sync thread that cost about 60% of a worker's CPU per push in
        ``python -m bench``. Forwarding a push never touches the database.
        """
        if message["type"] == PUSH_TYPE:
            await self.notifications_push(message)
        else:
            await super().dispatch(message)

    async def notifications_push(self, message: dict[str, Any]) -> None:
        """Forward a frame serialised once by the transport.

        A batched message carries the frames of every socket of this worker in
        ``texts``, keyed by channel name.
        """
        if "text" in message:
            await self.send(text_data=message["text"])
            return
        for text in message["texts"][self.channel_name]:
            await self.send(text_data=text)
