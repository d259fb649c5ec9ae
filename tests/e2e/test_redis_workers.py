"""Two server processes sharing Redis: a push sent by one reaches sockets held by the other."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import demo_send, next_frame, open_socket
from tests.servers import demo_server, prepare_demo_db

SERVICES = os.environ.get("NOTIFICATIONS_TEST_SERVICES") == "1"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


# The services leg always runs it (and fails loudly if Redis is down); the
# embedded leg runs it whenever a Redis happens to be there.
pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(not SERVICES and not redis_reachable(), reason=f"no Redis at {REDIS_URL}"),
]


def test_push_crosses_processes_through_redis(tmp_path: Path) -> None:
    prefix = f"notifications-e2e-{uuid.uuid4().hex[:12]}"
    env = prepare_demo_db(
        tmp_path / "shared.sqlite3", {"DEMO_REDIS_URL": REDIS_URL, "DEMO_REDIS_PREFIX": prefix}
    )
    with (
        demo_server(env, tmp_path / "a.log") as worker_a,
        demo_server(env, tmp_path / "b.log") as worker_b,
    ):
        ann_on_a, ann_on_b = worker_a.login("ann"), worker_b.login("ann")
        bob_on_a = worker_a.login("bob")
        with open_socket(worker_a, ann_on_a) as socket, open_socket(worker_a, bob_on_a) as other:
            # Idle past channels_redis's 5 s blocking receive (and redis-py 8's default
            # read timeout): the demo's layer config must keep the socket alive.
            time.sleep(7)
            sent = demo_send(ann_on_b, "Sent by worker B")

            new = next_frame(socket)
            assert new["action"] == "new"
            assert new["notification"]["event"]["id"] == sent["event"]

            response = ann_on_b.patch(f"/api/notifications/{new['notification']['id']}")
            assert response.status_code == 200, response.text
            readed = next_frame(socket)
            assert (readed["action"], readed["notification"]) == ("readed", response.json())

            with pytest.raises(TimeoutError):
                other.recv(timeout=0.5)
        for client in (ann_on_a, ann_on_b, bob_on_a):
            client.close()
        for worker in (worker_a, worker_b):
            assert "Traceback" not in worker.log(), worker.log()
