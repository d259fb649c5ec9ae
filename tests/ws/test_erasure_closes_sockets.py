"""Erasing a user's data (``erase_notifications_data``) closes that user's sockets, only theirs."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from notifications.realtime.hub import CLOSE_UNAUTHENTICATED
from tests.ws.conftest import Opener
from tests.ws.support import in_thread, receive_frame, send, silent

pytestmark = pytest.mark.django_db(transaction=True)


async def test_erasure_closes_every_socket_of_the_user(
    open_socket: Opener, ann: Any, bob: Any
) -> None:
    phone, laptop, other = await open_socket(ann), await open_socket(ann), await open_socket(bob)

    await in_thread(call_command)("erase_notifications_data", str(ann.pk), "--no-input")

    for socket in (phone, laptop):
        closed = await socket.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    assert await silent(other)
    await send([bob], title="still live")
    assert (await receive_frame(other))["action"] == "new"
