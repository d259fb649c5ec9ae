"""A disconnect that meets a full connection pool still leaves its group (found by the soak)."""

from __future__ import annotations

from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client

import notifications.routing
from notifications.transports.channels import group_name

pytestmark = pytest.mark.django_db(transaction=True)


def _cookie(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


@pytest.mark.parametrize(("failures", "left"), [(2, 0), (3, 0), (4, 1)])
async def test_group_discard_is_retried(settings: Any, ann: Any, failures: int, left: int) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "tests.faults.layers.FlakyDiscardLayer",
            "CONFIG": {"failures": failures},
        }
    }
    layer = get_channel_layer()
    socket = WebsocketCommunicator(
        AuthMiddlewareStack(URLRouter(notifications.routing.websocket_urlpatterns)),
        "/ws/notifications",
        headers=[(b"cookie", await database_sync_to_async(_cookie)(ann))],
    )
    connected, _ = await socket.connect(timeout=5)
    assert connected
    assert len(layer.groups[group_name(ann.pk)]) == 1

    await socket.disconnect(timeout=5)

    assert len(layer.groups.get(group_name(ann.pk), {})) == left
    assert layer.attempts == min(failures + 1, 4)  # then it gives up (logged, 1011)
