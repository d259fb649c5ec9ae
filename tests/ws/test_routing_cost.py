"""The redis bus's cost per push does not grow with the number of workers.

Real workers (a hub and a redis bus each, in one event loop) on a private
redis-server; the commands a one-user push costs are counted exactly with
``INFO commandstats`` (commands run inside scripts count too).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from notifications.realtime.bus.base import Frames
from notifications.realtime.bus.redis import RedisBus
from notifications.realtime.hub import Hub, Socket
from tests.faults.test_bus_outage import private_redis
from tests.servers import free_port
from tests.settings import SERVICES

pytestmark = pytest.mark.skipif(
    not SERVICES and shutil.which("redis-server") is None, reason="no redis-server binary"
)

#: The sockets' writer tasks (kept referenced until the test ends).
WRITERS: set[Any] = set()
#: Not routing: the sampler's own INFO, and the workers' pub/sub keep-alives.
NOT_ROUTING = {"info", "ping"}


@pytest.fixture
def redis_port(settings: Any) -> Iterator[int]:
    port = free_port()
    with private_redis(port):
        settings.NOTIFICATIONS = {
            **getattr(settings, "NOTIFICATIONS", {}),
            "BUS": "redis",
            "REDIS_URL": f"redis://127.0.0.1:{port}/0",
            "REDIS_PREFIX": "cost",
        }
        yield port


def command_calls(client: redis.Redis) -> dict[str, int]:
    """Calls per command since the server started, as ``INFO commandstats`` reports them."""
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    changed = {name: calls - before.get(name, 0) for name, calls in after.items()}
    return {name: n for name, n in changed.items() if n and name not in NOT_ROUTING}


async def workers_holding(count: int, holders: set[int]) -> tuple[list[Hub], list[list[str]]]:
    """``count`` workers, each with a socket of its own user; those in ``holders`` also
    hold a socket of user 1. Returns the hubs and the frames each worker's sockets got."""
    import asyncio

    hubs, received = [], []
    for index in range(count):
        frames: list[str] = []

        async def send(message: dict[str, Any], frames: list[str] = frames) -> None:
            if message["type"] == "websocket.send":
                frames.append(message["text"])

        hub = Hub(RedisBus(), asyncio.get_running_loop())
        users = [1000 + index] + ([1] if index in holders else [])
        for user_id in users:
            socket = Socket(user_id, send, session_key=None, token_key=None)
            await hub.register(socket)
            WRITERS.add(asyncio.ensure_future(socket.write()))
        hubs.append(hub)
        received.append(frames)
    return hubs, received


@pytest.mark.parametrize("workers", [2, 64])
async def test_a_one_user_push_costs_one_command_whatever_the_number_of_workers(
    redis_port: int, workers: int
) -> None:
    import asyncio

    client = redis.Redis(port=redis_port)
    hubs, received = await workers_holding(workers, holders={0, workers - 1})
    sender = RedisBus()
    try:
        sender.publish([Frames(((1, "warm-up"),))])  # connects the sender
        await asyncio.sleep(0.2)
        before = command_calls(client)

        sender.publish([Frames(((1, "hello"),))])

        assert delta(before, command_calls(client)) == {"publish": 1}
        await asyncio.sleep(0.3)
        holding = [i for i, frames in enumerate(received) if "hello" in frames]
        assert holding == [0, workers - 1]  # exactly the workers with a socket of user 1
    finally:
        sender.close()
        for hub in hubs:
            await hub.close()
        for writer in WRITERS:
            writer.cancel()
        WRITERS.clear()
        client.close()
