"""Live delivery through the real stack: session auth, per-user groups, every device."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.db import transaction

from notifications.helpers import send_notification
from notifications.models import Notification
from tests.support import FRAME_KEYS
from tests.ws.conftest import Opener
from tests.ws.support import in_thread, receive_frame, send, silent

pytestmark = pytest.mark.django_db(transaction=True)

#: Longer than channels_redis's blocking receive (5 s) and redis-py 8's default read timeout.
IDLE_SECONDS = 7


async def test_anonymous_socket_is_refused(open_socket: Opener) -> None:
    communicator = await open_socket(None, expect_accept=False)
    assert communicator.outcome in (4401, 4403)  # type: ignore[attr-defined]


async def test_forged_session_cookie_is_refused(open_socket: Opener) -> None:
    forged = [(b"cookie", b"sessionid=not-a-session")]
    communicator = await open_socket(None, headers=forged, expect_accept=False)
    assert communicator.outcome in (4401, 4403)  # type: ignore[attr-defined]


async def test_new_reaches_every_device_of_the_recipient_only(
    open_socket: Opener, ann: Any, bob: Any
) -> None:
    phone, laptop = await open_socket(ann), await open_socket(ann)
    other = await open_socket(bob)

    event = await send([ann], title="For Ann")

    for device in (phone, laptop):
        frame = await receive_frame(device)
        assert frame["action"] == "new"
        assert frame["unread"] == 1
        assert frame["notification"]["user"] == ann.pk
        assert frame["notification"]["event"]["id"] == event.pk
        assert frame["notification"]["event"]["title"] == "For Ann"
        assert frame["notification"]["readed"] is None
    assert await silent(phone, laptop, other)


async def test_each_recipient_gets_its_own_notification_and_count(
    open_socket: Opener, ann: Any, bob: Any
) -> None:
    await send([bob])
    ann_socket, bob_socket = await open_socket(ann), await open_socket(bob)

    await send([ann, bob], title="Both")

    ann_frame, bob_frame = await receive_frame(ann_socket), await receive_frame(bob_socket)
    assert (ann_frame["notification"]["user"], ann_frame["unread"]) == (ann.pk, 1)
    assert (bob_frame["notification"]["user"], bob_frame["unread"]) == (bob.pk, 2)
    assert ann_frame["notification"]["id"] != bob_frame["notification"]["id"]
    assert ann_frame["notification"]["event"] == bob_frame["notification"]["event"]
    assert await silent(ann_socket, bob_socket)


async def test_pushed_notification_equals_the_rest_json(
    open_socket: Opener, ann: Any, ann_client: Any
) -> None:
    socket = await open_socket(ann)
    await send(
        [ann], title="Same JSON", data={"post": 7, "tags": ["a"]}, message="Text", author=ann
    )
    frame = await receive_frame(socket)

    response = await in_thread(ann_client.get)(f"/notifications{frame['notification']['id']}")
    assert response.status_code == 200
    assert frame["notification"] == response.json()
    listed = (await in_thread(ann_client.get)("/notifications")).json()["results"]
    assert listed == [frame["notification"]]


async def test_unread_count_follows_every_change(
    open_socket: Opener, ann: Any, ann_client: Any
) -> None:
    socket = await open_socket(ann)
    counts = []
    for title in ("one", "two", "three"):
        await send([ann], title=title)
        counts.append((await receive_frame(socket))["unread"])
    assert counts == [1, 2, 3]

    newest = (await in_thread(ann_client.get)("/notifications")).json()["results"][0]["id"]
    await in_thread(ann_client.patch)(f"/notifications{newest}")
    assert (await receive_frame(socket))["unread"] == 2
    await in_thread(ann_client.patch)(f"/notifications{newest}", {"readed": None}, format="json")
    unread_frame = await receive_frame(socket)
    assert (unread_frame["action"], unread_frame["unread"]) == ("unread", 3)
    assert unread_frame["notification"]["readed"] is None


async def test_mark_read_pushes_readed_to_every_device(
    open_socket: Opener, ann: Any, bob: Any, ann_client: Any
) -> None:
    await send([ann], title="first")
    await send([ann], title="second")
    phone, laptop, other = await open_socket(ann), await open_socket(ann), await open_socket(bob)
    newest = (await in_thread(ann_client.get)("/notifications")).json()["results"][0]

    response = await in_thread(ann_client.patch)(f"/notifications{newest['id']}")
    assert response.status_code == 200

    for device in (phone, laptop):
        frame = await receive_frame(device)
        assert frame["action"] == "readed"
        assert frame["notification"] == response.json()
        assert frame["notification"]["readed"] is not None
        assert frame["unread"] == 1
    assert await silent(phone, laptop, other)

    # Already read: nothing changes, nothing is pushed.
    again = await in_thread(ann_client.patch)(f"/notifications{newest['id']}")
    assert again.json()["readed"] == response.json()["readed"]
    assert await silent(phone, laptop, other)


async def test_batch_mark_read_pushes_one_frame_per_changed_notification(
    open_socket: Opener, ann: Any, bob: Any, ann_client: Any
) -> None:
    for title in ("a", "b", "c", "d"):
        await send([ann], title=title)
    bobs = await send([bob], title="Bob's")
    ids = [
        row["id"] for row in (await in_thread(ann_client.get)("/notifications")).json()["results"]
    ]
    await in_thread(ann_client.patch)(f"/notifications{ids[0]}")  # read before the sockets open
    phone, other = await open_socket(ann), await open_socket(bob)
    bob_id = await in_thread(lambda: Notification.objects.get(event_id=bobs.pk).pk)()

    response = await in_thread(ann_client.patch)(
        "/notifications", [ids[0], ids[1], ids[2], bob_id], format="json"
    )
    assert response.status_code == 200
    assert sorted(row["id"] for row in response.json()) == sorted(ids[:3])

    frames = [await receive_frame(phone), await receive_frame(phone)]
    assert [f["action"] for f in frames] == ["readed", "readed"]
    assert sorted(f["notification"]["id"] for f in frames) == sorted(ids[1:3])
    assert [f["unread"] for f in frames] == [1, 1]
    by_id = {row["id"]: row for row in response.json()}
    for frame in frames:
        assert frame["notification"] == by_id[frame["notification"]["id"]]
    assert await silent(phone, other)


async def test_read_all_pushes_one_readed_all_frame(
    open_socket: Opener, ann: Any, ann_client: Any
) -> None:
    await send([ann])
    await send([ann])
    socket = await open_socket(ann)

    response = await in_thread(ann_client.post)("/api/notifications/read-all")
    assert response.status_code == 200

    frame = await receive_frame(socket)
    assert frame["action"] == "readed_all"
    assert frame["unread"] == 0
    rows = (await in_thread(ann_client.get)("/notifications")).json()["results"]
    assert {row["readed"] for row in rows} == {frame["before"]}
    assert await silent(socket)


async def test_delete_pushes_deleted(
    open_socket: Opener, ann: Any, bob: Any, ann_client: Any
) -> None:
    await send([ann])
    await send([ann])
    phone, other = await open_socket(ann), await open_socket(bob)
    newest = (await in_thread(ann_client.get)("/notifications")).json()["results"][0]["id"]

    response = await in_thread(ann_client.delete)(f"/notifications{newest}")
    assert response.status_code == 204

    frame = await receive_frame(phone)
    assert set(frame) == {*FRAME_KEYS, "notification"}
    assert isinstance(frame["seq"], int)
    assert frame["notification"] == {"id": newest}
    assert (frame["action"], frame["unread"], frame["unseen"]) == ("deleted", 1, 1)
    assert await silent(phone, other)
    # Deleting it again (or someone else's) is a 404 and pushes nothing.
    assert (await in_thread(ann_client.delete)(f"/notifications{newest}")).status_code == 404
    assert await silent(phone, other)


async def test_other_users_actions_never_reach_a_socket(
    open_socket: Opener, ann: Any, bob: Any, bob_client: Any
) -> None:
    ann_socket = await open_socket(ann)
    await send([bob])
    bob_id = (await in_thread(bob_client.get)("/notifications")).json()["results"][0]["id"]
    await in_thread(bob_client.patch)(f"/notifications{bob_id}")
    await in_thread(bob_client.delete)(f"/notifications{bob_id}")
    assert await silent(ann_socket)


async def test_rolled_back_send_pushes_nothing(open_socket: Opener, ann: Any) -> None:
    socket = await open_socket(ann)

    def send_then_fail() -> None:
        with transaction.atomic():
            send_notification(type="post_like", title="Never", users=[ann])
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await in_thread(send_then_fail)()
    assert await silent(socket)
    assert not await in_thread(Notification.objects.filter(user_id=ann.pk).exists)()

    # The socket is still live: the next committed send arrives.
    await send([ann], title="Committed")
    assert (await receive_frame(socket))["notification"]["event"]["title"] == "Committed"


async def test_disconnected_device_leaves_the_others_served(open_socket: Opener, ann: Any) -> None:
    phone, laptop = await open_socket(ann), await open_socket(ann)
    await phone.disconnect()

    await send([ann], title="After")
    assert (await receive_frame(laptop))["notification"]["event"]["title"] == "After"


@pytest.mark.timeout(60)
async def test_idle_socket_still_receives(open_socket: Opener, ann: Any) -> None:
    """An idle socket outlives the layer's blocking receive (5 s in channels_redis).

    redis-py 8 times socket reads out after 5 s by default; without a longer
    ``socket_timeout`` in the layer's host config every idle socket is dropped.
    """
    socket = await open_socket(ann)
    await asyncio.sleep(IDLE_SECONDS)
    await send([ann], title="After a quiet while")
    assert (await receive_frame(socket))["notification"]["event"]["title"] == "After a quiet while"
