"""One behaviour suite that every bus passes, through real sockets on the real ASGI stack.

Run on each leg over the buses that leg can offer: ``local``, ``locmem`` (the test
double projects use) and ``database`` (SQLite) on the embedded leg; the same with
``database`` on PostgreSQL, and ``redis``, on the services leg. Like Django's
``tests/messages_tests/base.py``: the same tests, every backend.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from notifications.helpers import send_notification
from notifications.realtime import messages
from notifications.realtime.bus import bus_path, get_bus
from notifications.realtime.hub import CLOSE_UNAUTHENTICATED
from notifications.realtime.messages import Revoke
from notifications.realtime.publish import publish
from tests.settings import SERVICES
from tests.ws.conftest import Opener
from tests.ws.support import in_thread, receive_frame, send, silent

pytestmark = pytest.mark.django_db(transaction=True)

BUSES = ["local", "locmem", "database", *(["redis"] if SERVICES else [])]


@pytest.fixture(params=BUSES)
def bus(request: pytest.FixtureRequest, settings: Any) -> str:
    """Select the bus under test (the ``sockets`` fixture resets it around the test)."""
    settings.NOTIFICATIONS = {**getattr(settings, "NOTIFICATIONS", {}), "BUS": request.param}
    assert bus_path().split(".")[-2] == request.param
    return str(request.param)


async def test_frames_reach_every_socket_of_the_recipient_and_no_one_else(
    bus: str, open_socket: Opener, ann: Any, bob: Any
) -> None:
    phone, laptop, other = await open_socket(ann), await open_socket(ann), await open_socket(bob)

    event = await send([ann], title="Only Ann")

    for device in (phone, laptop):
        frame = await receive_frame(device)
        assert frame["action"] == "new"
        assert frame["notification"]["event"]["id"] == event.pk
        assert frame["unread"] == 1
    assert await silent(phone, laptop, other)


async def test_a_large_audience_is_rendered_by_the_worker_for_its_own_sockets(
    bus: str, open_socket: Opener, settings: Any, make_user: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "PUSH_INLINE_MAX": 1}
    users = [await in_thread(make_user)(f"user{i}") for i in range(5)]
    await send(users[:1], title="earlier")  # users[0] now has 1 unread before the broadcast
    online = [await open_socket(user) for user in users[:3]]

    event = await send(users, title="Everyone")

    for user, socket in zip(users[:3], online, strict=True):
        frame = await receive_frame(socket)
        assert frame["action"] == "new"
        assert frame["notification"]["user"] == user.pk
        assert frame["notification"]["event"]["id"] == event.pk
        assert frame["unread"] == (2 if user == users[0] else 1)
    assert await silent(*online)


async def test_frames_of_one_user_arrive_in_commit_order_exactly_once(
    bus: str, open_socket: Opener, ann: Any
) -> None:
    socket = await open_socket(ann)

    sent = [await send([ann], title=f"#{i}") for i in range(5)]

    frames = [await receive_frame(socket) for _ in sent]
    assert [f["notification"]["event"]["id"] for f in frames] == [e.pk for e in sent]
    assert [f["unread"] for f in frames] == [1, 2, 3, 4, 5]
    assert await silent(socket)


async def test_every_frame_carries_a_seq_that_grows_with_commit_order(
    bus: str, open_socket: Opener, settings: Any, ann: Any, ann_client: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "PUSH_INLINE_MAX": 0}
    socket = await open_socket(ann)

    await send([ann], title="rendered by the worker (a pointer)")
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "PUSH_INLINE_MAX": 100}
    await send([ann], title="rendered by the sender")
    frames = [await receive_frame(socket) for _ in range(2)]
    first = frames[0]["notification"]["id"]
    assert (await in_thread(ann_client.patch)(f"/notifications{first}")).status_code == 200
    assert (await in_thread(ann_client.delete)(f"/notifications{first}")).status_code == 204
    frames += [await receive_frame(socket) for _ in range(2)]

    assert [frame["action"] for frame in frames] == ["new", "new", "readed", "deleted"]
    seqs = [frame["seq"] for frame in frames]
    assert all(isinstance(seq, int) for seq in seqs)
    assert seqs == sorted(set(seqs)), seqs


async def test_a_new_envelope_version_routes_like_the_old_one(
    bus: str, open_socket: Opener, monkeypatch: pytest.MonkeyPatch, ann: Any, bob: Any
) -> None:
    monkeypatch.setattr(messages, "VERSION", messages.VERSION + 1)
    ann_socket, bob_socket = await open_socket(ann), await open_socket(bob)

    await send([ann], title="after the bump")

    assert (await receive_frame(ann_socket))["notification"]["event"]["title"] == "after the bump"
    assert await silent(ann_socket, bob_socket)


async def test_a_rolled_back_write_pushes_nothing(bus: str, open_socket: Opener, ann: Any) -> None:
    socket = await open_socket(ann)

    def send_then_fail() -> None:
        with transaction.atomic():
            send_notification(type="post_like", title="never", users=[ann])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await in_thread(send_then_fail)()

    assert await silent(socket)


async def test_a_revocation_closes_the_sockets_it_names(
    bus: str, open_socket: Opener, ann: Any, bob: Any
) -> None:
    ann_socket, bob_socket = await open_socket(ann), await open_socket(bob)

    await in_thread(lambda: publish(lambda: [Revoke(user_id=ann.pk)]))()

    assert await ann_socket.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }
    assert await silent(bob_socket)
    await send([bob], title="still live")
    assert (await receive_frame(bob_socket))["action"] == "new"


async def test_a_socket_opened_right_after_a_send_gets_every_later_push(
    bus: str, open_socket: Opener, ann: Any
) -> None:
    await send([ann], title="before")
    socket = await open_socket(ann)

    event = await send([ann], title="after")

    frame = await receive_frame(socket)
    assert frame["notification"]["event"]["id"] == event.pk
    assert await silent(socket)


async def test_a_user_deactivated_elsewhere_loses_the_socket(
    bus: str, open_socket: Opener, ann: Any
) -> None:
    socket = await open_socket(ann)

    def deactivate() -> None:
        user = get_user_model()._default_manager.get(pk=ann.pk)
        user.is_active = False
        user.save()

    await in_thread(deactivate)()

    message = await socket.receive_output(timeout=5)
    assert message == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


def test_the_bus_under_test_is_the_one_the_leg_promises(bus: str) -> None:
    """The database bus runs on the leg's database: SQLite embedded, PostgreSQL services."""
    if bus == "database":
        expected = "postgresql" if SERVICES else "sqlite"
        assert connection.vendor == expected
    assert type(get_bus()).__name__.lower().startswith(bus)


async def test_sockets_of_one_user_across_hubs_do_not_share_state(
    bus: str, open_socket: Opener, ann: Any, bob: Any
) -> None:
    """Closing one device leaves the other device and the presence of the user intact."""
    phone, laptop = await open_socket(ann), await open_socket(ann)
    await phone.disconnect()
    await asyncio.sleep(0.1)

    await send([ann], title="after one device left")

    assert (await receive_frame(laptop))["action"] == "new"


async def test_credentials_changed_behind_the_package_s_back_are_caught_by_revalidation(
    bus: str, open_socket: Opener, settings: Any, ann: Any, bob: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "REVALIDATE_INTERVAL": 0.3}
    ann_socket, bob_socket = await open_socket(ann), await open_socket(bob)

    # No signal: an UPDATE in SQL.
    await in_thread(get_user_model()._default_manager.filter(pk=ann.pk).update)(is_active=False)

    message = await ann_socket.receive_output(timeout=5)
    assert message == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    assert await silent(bob_socket)
