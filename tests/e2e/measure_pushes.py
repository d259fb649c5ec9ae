"""Measure pushes/second of the push transports (not collected by pytest).

    .venv/bin/python -m tests.e2e.measure_pushes [--recipients 1000] [--rounds 3]
        [--layer memory|redis|redis-pubsub|all] [--capacity 100]
        [--redis redis://127.0.0.1:6379/0]

One process holds ``--recipients`` channels, each alone in its user's group
(one open socket per user). Each round sends one ``new`` frame per user through
the transport, called from a worker thread the way views call it, and waits
until every channel has received its frame (or 2 s pass without one: frames a
layer dropped count as lost). It reports the pushes handed over per second and
the frames received per second, for ChannelLayerTransport (the package's
batched paths) and for the naive way: one awaited ``group_send`` per user.
``--capacity`` sets the layer's capacity: channels_redis's RedisChannelLayer
shares it among all the sockets of a process and drops what does not fit.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import django
from django.conf import settings


def configure() -> None:
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "rest_framework",
            "channels",
            "notifications",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
        USE_TZ=True,
        EVENTS=[{"name": "post_like", "title": "Post liking", "description": None}],
    )
    django.setup()


def make_pushes(user_ids: Sequence[int]) -> list[Any]:
    from notifications.transports import Push

    from notifications.payloads import notification_payload, push_message

    event = {
        "id": 1,
        "timestamp": "2026-11-24T10:14:59Z",
        "author": None,
        "type": {"id": 1, "name": "post_like", "title": "Post liking", "description": None},
        "title": "Ann liked your post",
        "message": None,
        "data": {"post": 7},
    }
    return [
        Push(
            user_id,
            push_message(
                "new",
                unread=1,
                notification=notification_payload(
                    notification_id=user_id,
                    user_id=user_id,
                    readed=None,
                    event=event,  # type: ignore[arg-type]
                ),
            ),
        )
        for user_id in user_ids
    ]


def build_layer(kind: str, redis_url: str, capacity: int) -> Any:
    if kind == "memory":
        from channels.layers import InMemoryChannelLayer

        return InMemoryChannelLayer(capacity=capacity)
    if kind == "redis-pubsub":
        from channels_redis.pubsub import RedisPubSubChannelLayer

        return RedisPubSubChannelLayer(
            hosts=[{"address": redis_url, "max_connections": 1000, "socket_timeout": 10}],
            prefix=f"measure-{uuid.uuid4().hex[:8]}",
        )
    from channels_redis.core import RedisChannelLayer

    return RedisChannelLayer(
        hosts=[{"address": redis_url, "max_connections": 1000, "socket_timeout": 10}],
        prefix=f"measure-{uuid.uuid4().hex[:8]}",
        capacity=capacity,
    )


async def round_trip(
    layer: Any, channels: Sequence[str], send: Callable[[], Awaitable[None]], wait: float
) -> tuple[float, float, int]:
    """(seconds to hand the pushes over, seconds until the last frame arrived, frames received).

    Frames a layer dropped (channels_redis drops beyond ``capacity``) never
    arrive: after ``wait`` seconds of silence the round ends and counts them lost.
    """
    start = time.perf_counter()
    receivers = [asyncio.ensure_future(layer.receive(name)) for name in channels]
    await send()
    sent = time.perf_counter() - start
    pending: set[asyncio.Future[Any]] = set(receivers)
    last = sent
    while pending:
        done, pending = await asyncio.wait(pending, timeout=wait)
        if not done:
            break
        last = time.perf_counter() - start
    for future in pending:
        future.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return sent, last, len(receivers) - len(pending)


async def measure(kind: str, recipients: int, rounds: int, redis_url: str, capacity: int) -> None:
    from channels.db import database_sync_to_async
    from channels.layers import channel_layers
    from notifications.transports.channels import PUSH_TYPE, ChannelLayerTransport, group_name

    from notifications.payloads import encode

    layer = build_layer(kind, redis_url, capacity)
    channel_layers.set("default", layer)
    user_ids = list(range(1, recipients + 1))
    channels = [await layer.new_channel() for _ in user_ids]
    for user_id, name in zip(user_ids, channels, strict=True):
        await layer.group_add(group_name(user_id), name)
    pushes = make_pushes(user_ids)
    transport = ChannelLayerTransport()

    async def via_transport() -> None:
        await database_sync_to_async(transport.send)(pushes)

    async def one_by_one() -> None:
        for push in pushes:
            await layer.group_send(
                group_name(push.user_id), {"type": PUSH_TYPE, "text": encode(push.message)}
            )

    try:
        ways = [("ChannelLayerTransport.send", via_transport), ("group_send per user", one_by_one)]
        for label, send in ways:
            results = [await round_trip(layer, channels, send, wait=2) for _ in range(rounds)]
            send_s = statistics.median(r[0] for r in results)
            total_s = statistics.median(r[1] for r in results)
            received = min(r[2] for r in results)
            print(
                f"{kind:6} capacity={capacity:<6} {label:26} {recipients} pushes: "
                f"handed over {recipients / send_s:8,.0f}/s, "
                f"received {received}/{recipients} at {received / total_s:8,.0f}/s "
                f"(median of {rounds} rounds)",
                flush=True,
            )
    finally:
        await layer.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--layer", choices=["memory", "redis", "redis-pubsub", "all"], default="all"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--capacity", type=int, default=100, help="the layer's capacity (default: 100, as shipped)"
    )
    args = parser.parse_args()
    configure()
    kinds = ["memory", "redis", "redis-pubsub"] if args.layer == "all" else [args.layer]
    for kind in kinds:
        asyncio.run(measure(kind, args.recipients, args.rounds, args.redis, args.capacity))


if __name__ == "__main__":
    main()
