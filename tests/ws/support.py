"""Helpers of the WebSocket tests: sessions, the ASGI stacks, sending from a thread."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

import notifications.routing
from notifications.exceptions import BusUnavailable
from notifications.helpers import send_notification
from notifications.models import Event
from notifications.realtime.auth import TokenAuthMiddlewareStack
from notifications.realtime.bus.local import LocalBus, listening

PATH = "/ws/notifications"
#: How long a test waits for a frame that must come (Redis needs more than the default 1 s).
FRAME_TIMEOUT = 5
#: How long a test listens to prove that no frame comes.
SILENCE = 0.3


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


class FailingBus(LocalBus):
    """A bus whose service is down: every publish fails as a lost Redis does."""

    def publish(self, messages: Any) -> None:
        raise BusUnavailable("the bus is down")


class CrashingBus(LocalBus):
    """A bus with a bug: publish fails with an error nobody expects."""

    def publish(self, messages: Any) -> None:
        raise RuntimeError("bus bug")


class FlakyBus(LocalBus):
    """A local bus that the test takes down (``outage``) and brings back (``recovered``)."""

    outage = asyncio.Event()
    recovered = asyncio.Event()

    async def listen(self, hub: Any) -> None:
        type(self).outage, type(self).recovered = asyncio.Event(), asyncio.Event()
        with listening(hub):
            hub.bus_ready()
            await type(self).outage.wait()
            hub.bus_lost(ConnectionError("the bus went away"))
            await type(self).recovered.wait()
            hub.bus_ready()
            await asyncio.Event().wait()
