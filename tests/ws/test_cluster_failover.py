"""The redis bus on a Redis Cluster survives the loss of one primary.

A six-node local cluster (three primaries, one replica each, ``cluster-node-timeout``
1 s) on private ports. While a user's pushes flow, the primary that owns their
channel is killed with SIGKILL: every send still saves its rows, the worker closes the
user's socket with 1013 (so the client catches up), a reconnecting client is served
again within 5 s of the replica's promotion, and the REST list has every notification.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from notifications.models import Notification
from notifications.realtime.bus.redis import user_channel
from notifications.realtime.hub import CLOSE_BUS_UNAVAILABLE
from tests.redis_cluster import LocalCluster, local_cluster
from tests.ws.conftest import Opener
from tests.ws.support import in_thread, receive_frame, send

pytestmark = [
    pytest.mark.services,
    pytest.mark.timeout(120),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def failover_cluster(tmp_path: Path, settings: Any) -> Iterator[LocalCluster]:
    with local_cluster(tmp_path, primaries=3, replicas=1) as cluster:
        settings.NOTIFICATIONS = {
            **getattr(settings, "NOTIFICATIONS", {}),
            "BUS": "redis",
            "REDIS_CLUSTER_URLS": cluster.urls,
        }
        yield cluster


async def test_a_primary_killed_mid_send_loses_no_row_and_sockets_return_within_5_s(
    failover_cluster: LocalCluster, open_socket: Opener, ann: Any, settings: Any
) -> None:
    cluster = failover_cluster
    channel = user_channel(settings.NOTIFICATIONS["REDIS_PREFIX"], ann.pk)
    doomed = cluster.primary_of(channel)
    socket = await open_socket(ann)
    first = await send([ann], title="before")
    assert (await receive_frame(socket))["notification"]["event"]["id"] == first.pk

    sent: list[int] = [first.pk]
    stop = asyncio.Event()

    async def keep_sending() -> None:
        while not stop.is_set():
            sent.append((await send([ann], title=f"during {len(sent)}")).pk)
            await asyncio.sleep(0.05)

    sender = asyncio.ensure_future(keep_sending())
    try:
        await asyncio.sleep(0.3)
        cluster.kill(doomed)

        # The worker tells the socket, so that the client catches up over REST.
        closed = None
        while closed is None:
            output = await socket.receive_output(timeout=10)
            if output["type"] == "websocket.close":
                closed = output["code"]
        assert closed == CLOSE_BUS_UNAVAILABLE

        while cluster.primary_of(channel) == doomed or not cluster.healthy():
            await asyncio.sleep(0.05)
        promoted = time.monotonic()

        while True:  # a client reconnecting with backoff
            again = await open_socket(ann)
            # receive_nothing() leaves the socket open (a timed-out receive_output() would
            # cancel the application: no frame within 0.3 s is not a failure).
            if await again.receive_nothing(timeout=0.3):
                break  # open, and not closed at once: served again
            output = await again.receive_output()
            if output["type"] == "websocket.send":
                break  # served again: the pushes of the running sends reach it
            await asyncio.sleep(0.2)
            assert time.monotonic() - promoted < 5, "not served again within 5 s of the failover"
        served_after = time.monotonic() - promoted
    finally:  # the sends stop whatever happened, before the test's teardown
        stop.set()
        await sender

    last = await send([ann], title="after")
    while (frame := await receive_frame(again))["notification"]["event"]["id"] != last.pk:
        assert frame["notification"]["event"]["id"] in sent  # a push of the running sends
    sent.append(last.pk)
    saved = await in_thread(
        lambda: set(Notification.objects.filter(user=ann).values_list("event_id", flat=True))
    )()
    assert saved == set(sent), "a send lost its rows"
    assert len(sent) > 5
    assert served_after < 5
