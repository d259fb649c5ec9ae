"""Snooze on real sockets: a ``snoozed`` frame when it leaves, a ``new`` frame on every socket
of the user when it comes back, with exact counts; nothing on another user's socket."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Notification
from tests.conftest import client_for
from tests.ws.conftest import Opener
from tests.ws.support import in_thread, receive_frame, send, silent

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/notifications/"


def sweep() -> None:
    call_command("run_channels", stdout=open("/dev/null", "w"))  # noqa: SIM115


async def test_snooze_and_return_reach_every_socket_of_the_user_only(
    open_socket: Opener, ann: Any, bob: Any
) -> None:
    await send([ann], title="keep")
    event = await send([ann], title="later")
    row = await in_thread(Notification.objects.get)(event=event, user=ann)
    phone, laptop = await open_socket(ann), await open_socket(ann)
    other = await open_socket(bob)
    until = timezone.now() + datetime.timedelta(seconds=1)

    def snooze() -> Any:
        return client_for(ann).post(
            f"{API}{row.pk}/snooze", {"until": until.isoformat()}, format="json"
        )

    response = await in_thread(snooze)()
    assert response.status_code == 200

    for device in (phone, laptop):
        frame = await receive_frame(device)
        assert frame["action"] == "snoozed"
        assert frame["notification"]["id"] == row.pk
        assert frame["notification"]["snoozed_until"] is not None
        assert (frame["unread"], frame["unseen"]) == (1, 1)

    await asyncio.sleep(1.2)
    await in_thread(sweep)()

    for device in (phone, laptop):
        frame = await receive_frame(device)
        assert frame["action"] == "new"
        assert frame["notification"]["id"] == row.pk
        assert frame["notification"]["event"]["title"] == "later"
        assert (frame["notification"]["readed"], frame["notification"]["seen"]) == (None, None)
        assert (frame["unread"], frame["unseen"]) == (2, 2)
    assert await silent(phone, laptop, other)
