"""Helpers of the WebSocket tests: sessions, the ASGI stacks, sending from a thread."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

import notifications.routing
from notifications.auth import TokenAuthMiddlewareStack
from notifications.helpers import send_notification
from notifications.models import Event

PATH = "/ws/notifications"
#: How long a test waits for a frame that must come (Redis needs more than the default 1 s).
FRAME_TIMEOUT = 5
#: How long a test listens to prove that no frame comes.
SILENCE = 0.3


def session_cookie(user: Any) -> bytes:
    """A ``Cookie`` header value carrying a real, logged-in session of ``user``."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def session_application() -> Any:
    """The stack API.md documents: session auth around the package's routes."""
    return AuthMiddlewareStack(URLRouter(notifications.routing.websocket_urlpatterns))


def token_application() -> Any:
    """The stack for non-browser clients: session, then a DRF token."""
    return TokenAuthMiddlewareStack(URLRouter(notifications.routing.websocket_urlpatterns))


async def receive_frame(communicator: WebsocketCommunicator) -> dict[str, Any]:
    """The next frame, decoded; fails if none comes in time."""
    text = await communicator.receive_from(timeout=FRAME_TIMEOUT)
    frame: dict[str, Any] = json.loads(text)
    return frame


async def silent(*communicators: WebsocketCommunicator) -> bool:
    """True when none of the sockets has anything to say."""
    for communicator in communicators:
        if not await communicator.receive_nothing(timeout=SILENCE):
            return False
    return True


def in_thread(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Run a sync callable (a REST request, an ORM query) from the async test, as ASGI does."""
    wrapped: Callable[..., Awaitable[Any]] = database_sync_to_async(function)
    return wrapped


async def send(users: Any, type: str = "post_like", title: str = "Hello", **kwargs: Any) -> Event:
    """Send from a worker thread, the way a view of an ASGI project does."""
    event: Event = await in_thread(send_notification)(type=type, title=title, users=users, **kwargs)
    return event


class BrokenLayer(InMemoryChannelLayer):
    """An in-memory layer whose ``group_send`` always fails the way a full layer does."""

    calls = 0

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        type(self).calls += 1
        raise ChannelFull(group)


class CrashingLayer(InMemoryChannelLayer):
    """An in-memory layer whose ``group_send`` fails with an error nobody expects."""

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        raise RuntimeError("layer bug")


class FlakyLayer(InMemoryChannelLayer):
    """An in-memory layer whose ``receive`` fails like a lost Redis once ``failing`` is set."""

    failing = False

    async def receive(self, channel: str) -> dict[str, Any]:
        message: dict[str, Any] = await super().receive(channel)
        if type(self).failing:
            raise ConnectionError("the layer went away")
        return message
