"""One send, each socket in its user's language: inline frames and pointers rendered by the hub."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from notifications.helpers import send_notification
from notifications.models import Event
from tests.support import client_for
from tests.ws.conftest import Opener
from tests.ws.support import in_thread, receive_frame, silent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("inline_max", [100, 0], ids=["inline-frames", "pointer"])
async def test_two_sockets_of_two_users_read_one_send_each_in_their_language(
    settings: Any,
    open_socket: Opener,
    like: Callable[..., Event],
    ann: Any,
    bob: Any,
    inline_max: int,
) -> None:
    # 0: every send is a pointer, rendered by this worker's hub for its own users.
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "PUSH_INLINE_MAX": inline_max}
    english, polish = await open_socket(ann), await open_socket(bob)

    await in_thread(like)([ann, bob], author=ann)

    ann_frame, bob_frame = await receive_frame(english), await receive_frame(polish)
    assert ann_frame["notification"]["event"]["title"] == "ann liked your post"
    assert bob_frame["notification"]["event"]["title"] == "ann polubił(a) Twój wpis"
    assert bob_frame["notification"]["event"]["message"] == "Wpis: Cats"
    assert bob_frame["notification"]["event"]["text"]["language"] == "pl"
    assert await silent(english, polish)


async def test_a_grouped_frame_pluralises_in_polish(
    open_socket: Opener, like: Callable[..., Event], ann: Any, bob: Any, make_user: Any
) -> None:
    authors = [await in_thread(make_user)(f"liker{n}") for n in range(4)]
    for author in authors:
        await in_thread(like)([bob], author=author, group="post-7")
    socket = await open_socket(bob)

    await in_thread(like)([bob], author=ann, group="post-7")

    frame = await receive_frame(socket)
    assert frame["action"] == "updated"
    assert frame["notification"]["count"] == 5
    assert frame["notification"]["event"]["title"] == "ann i 4 inne osoby polubili Twój wpis"


async def test_a_readed_frame_speaks_the_users_language(
    open_socket: Opener, like: Callable[..., Event], ann: Any, bob: Any
) -> None:
    await in_thread(like)([bob], author=ann)
    socket = await open_socket(bob)
    client = await in_thread(client_for)(bob)
    rows = (await in_thread(client.get)("/notifications")).json()["results"]

    await in_thread(client.patch)(f"/notifications{rows[0]['id']}")

    frame = await receive_frame(socket)
    assert frame["action"] == "readed"
    assert frame["notification"]["event"]["title"] == "ann polubił(a) Twój wpis"


async def test_a_literal_title_reaches_every_socket_as_sent(
    open_socket: Opener, languages: None, ann: Any, bob: Any
) -> None:
    english, polish = await open_socket(ann), await open_socket(bob)

    await in_thread(send_notification)(type="post_like", title="Ann liked it", users=[ann, bob])

    for socket in (english, polish):
        event = (await receive_frame(socket))["notification"]["event"]
        assert (event["title"], "text" in event) == ("Ann liked it", False)
