"""channels_redis's pub/sub layer: the default transport publishes batches, same frames."""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any

import pytest

from notifications.models import Notification
from notifications.transports import redis_pubsub
from tests.servers import free_port
from tests.ws.conftest import Opener
from tests.ws.support import in_thread, receive_frame, send, silent

SERVICES = os.environ.get("NOTIFICATIONS_TEST_SERVICES") == "1"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

pytestmark = pytest.mark.django_db(transaction=True)
services_only = pytest.mark.skipif(not SERVICES, reason="needs Redis (the services leg)")


def pubsub_layers(url: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": url, "socket_timeout": 10}],
                "prefix": f"notifications-pubsub-{uuid.uuid4().hex[:12]}",
            },
        }
    }


@pytest.fixture
def pubsub(settings: Any) -> None:
    """The pub/sub layer (before the ``layer`` fixture)."""
    settings.CHANNEL_LAYERS = pubsub_layers(REDIS_URL)


@services_only
async def test_every_device_gets_its_users_frames(
    pubsub: None, open_socket: Opener, ann: Any, bob: Any, ann_client: Any
) -> None:
    phone, laptop, other = await open_socket(ann), await open_socket(ann), await open_socket(bob)

    event = await send([ann], title="Pipelined")
    for device in (phone, laptop):
        frame = await receive_frame(device)
        assert (frame["action"], frame["unread"]) == ("new", 1)
        assert frame["notification"]["event"]["id"] == event.pk
    assert await silent(phone, laptop, other)

    notification_id = frame["notification"]["id"]
    response = await in_thread(ann_client.patch)("/notifications", [notification_id], format="json")
    for device in (phone, laptop):
        readed = await receive_frame(device)
        assert readed == {"action": "readed", "notification": response.json()[0], "unread": 0}
    assert await silent(phone, laptop, other)


@services_only
@pytest.mark.timeout(120)
async def test_many_recipients_over_several_batches_and_pipelines(
    pubsub: None,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    open_socket: Opener,
    make_user: Any,
) -> None:
    settings.NOTIFICATIONS = {"FANOUT_BATCH_SIZE": 16}
    monkeypatch.setattr(redis_pubsub, "PIPELINE_SIZE", 7)
    published: list[int] = []
    publish = redis_pubsub._publish

    async def spy(shard: Any, messages: list[Any]) -> None:
        published.append(len(messages))
        await publish(shard, messages)

    monkeypatch.setattr(redis_pubsub, "_publish", spy)
    users = [await in_thread(make_user)(f"user{i}") for i in range(60)]
    sockets = [await open_socket(user) for user in users]

    event = await send(users, title="To sixty")

    for user, socket in zip(users, sockets, strict=True):
        frame = await receive_frame(socket)
        assert (frame["notification"]["user"], frame["unread"]) == (user.pk, 1)
        assert frame["notification"]["event"]["id"] == event.pk
    assert await silent(*sockets[:5])
    assert published == [16, 16, 16, 12]  # one pipelined publish per batch (one shard)


@services_only
async def test_dead_redis_keeps_rows_and_logs_once(
    settings: Any, caplog: pytest.LogCaptureFixture, ann: Any, bob: Any
) -> None:
    settings.CHANNEL_LAYERS = pubsub_layers(f"redis://127.0.0.1:{free_port()}/0")

    event = await send([ann, bob])

    assert await in_thread(Notification.objects.filter(event_id=event.pk).count)() == 2
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == ["notifications"]
