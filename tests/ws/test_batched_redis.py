"""The batched path for channels_redis's RedisChannelLayer delivers like group_send."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from notifications.transports import Push
from notifications.transports.channels import PUSH_TYPE, ChannelLayerTransport, group_name
from notifications.transports.redis_groups import supports

SERVICES = os.environ.get("NOTIFICATIONS_TEST_SERVICES") == "1"
pytestmark = pytest.mark.skipif(not SERVICES, reason="needs Redis (the services leg runs it)")


def redis_layer(prefix: str):  # type: ignore[no-untyped-def]
    from channels_redis.core import RedisChannelLayer

    return RedisChannelLayer(
        hosts=[{"address": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}],
        prefix=prefix,
    )


def frame(n: int) -> dict[str, object]:
    return {"action": "new", "notification": {"id": n}, "unread": n}


async def test_one_message_per_worker_carries_every_socket_frames_in_order() -> None:
    prefix = f"batch-{uuid.uuid4().hex[:8]}"
    worker_a, worker_b = redis_layer(prefix), redis_layer(prefix)  # two processes
    assert supports(worker_a)
    a1, a2 = await worker_a.new_channel(), await worker_a.new_channel()
    b1 = await worker_b.new_channel()
    await worker_a.group_add(group_name(1), a1)
    await worker_b.group_add(group_name(1), b1)  # user 1 on two devices
    await worker_a.group_add(group_name(2), a2)
    pushes = [Push(1, frame(1)), Push(1, frame(2)), Push(2, frame(3)), Push(3, frame(4))]
    try:
        await ChannelLayerTransport().send_async(worker_a, pushes)

        async def texts(layer, channel):  # type: ignore[no-untyped-def]
            message = await asyncio.wait_for(layer.receive(channel), 5)
            assert message["type"] == PUSH_TYPE
            return list(message["texts"][channel])

        first, second = '"id":1', '"id":2'
        a1_texts = await texts(worker_a, a1)
        assert [first in t for t in a1_texts] == [True, False]
        assert second in a1_texts[1]
        assert await texts(worker_b, b1) == a1_texts
        a2_texts = await texts(worker_a, a2)
        assert len(a2_texts) == 1
        assert '"id":3' in a2_texts[0]
    finally:
        await worker_a.flush()
        await worker_b.flush()
