"""A fan-out builds frames only for users with an open socket, where the layer can tell."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections

from notifications.helpers import send_notification
from notifications.transports.channels import ChannelLayerTransport, group_name


@pytest.fixture
async def layer() -> Any:
    channel_layer = get_channel_layer()
    await channel_layer.flush()
    yield channel_layer
    await channel_layer.flush()


async def test_online_lists_only_users_whose_group_has_a_socket(layer: Any) -> None:
    channel = await layer.new_channel()
    await layer.group_add(group_name(7), channel)

    online = await sync_to_async(ChannelLayerTransport().online)([5, 7, 9])

    assert list(online) == [7]


async def test_a_user_who_left_is_offline_again(layer: Any) -> None:
    channel = await layer.new_channel()
    await layer.group_add(group_name(7), channel)
    await layer.group_discard(group_name(7), channel)

    online = await sync_to_async(ChannelLayerTransport().online)([7])

    assert list(online) == []


@pytest.mark.django_db(transaction=True)
async def test_a_send_pushes_to_the_connected_recipient_only(
    layer: Any, ann: Any, bob: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = await layer.new_channel()
    await layer.group_add(group_name(ann.pk), channel)
    sent: list[Any] = []
    send = ChannelLayerTransport.send

    def spy(self: ChannelLayerTransport, pushes: Any) -> None:
        sent.extend(pushes)
        send(self, pushes)

    monkeypatch.setattr(ChannelLayerTransport, "send", spy)

    await sync_to_async(send_notification)("post_like", "Hi", None, [ann, bob])
    await sync_to_async(connections.close_all)()  # or PostgreSQL cannot drop the test DB

    assert [push.user_id for push in sent] == [ann.pk]
    message = await asyncio.wait_for(layer.receive(channel), 5)
    frames = [message["text"]] if "text" in message else message["texts"][channel]
    assert [json.loads(frame)["action"] for frame in frames] == ["new"]
