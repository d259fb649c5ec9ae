"""Redis, the production bus, killed and restarted under real servers: nothing is lost.

Each test starts its own private redis-server on a free port (the shared one is never
touched) and serves the demo with uvicorn on it.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.e2e.conftest import demo_send, next_frame, open_socket
from tests.servers import DemoServer, demo_server, free_port, prepare_demo_db
from tests.settings import SERVICES

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(
        not SERVICES and shutil.which("redis-server") is None, reason="no redis-server binary"
    ),
]


@contextmanager
def private_redis(port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def closed_code(socket: object, timeout: float = 10) -> int | None:
    try:
        while True:
            socket.recv(timeout=timeout)  # type: ignore[attr-defined]
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[DemoServer, int]]:
    port = free_port()
    env = prepare_demo_db(
        tmp_path / "demo.sqlite3",
        {"DEMO_REDIS_URL": f"redis://127.0.0.1:{port}/0", "DEMO_REDIS_PREFIX": "outage"},
    )
    with private_redis(port), demo_server(env, tmp_path / "server.log") as server:
        yield server, port


def test_redis_killed_then_back_loses_no_notification_and_recovers_within_5_s(
    served: tuple[DemoServer, int], tmp_path: Path
) -> None:
    server, port = served
    ann = server.login("ann")
    with open_socket(server, ann) as socket:
        demo_send(ann, "before")
        assert next_frame(socket)["notification"]["event"]["title"] == "before"
        subprocess.run(
            ["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False, capture_output=True
        )

        assert closed_code(socket) == 1013  # told, so that it reconnects and catches up
    while_down = [demo_send(ann, f"while down {i}") for i in range(3)]  # saved all the same

    with private_redis(port):
        back = time.monotonic()
        while True:  # a client reconnecting with backoff
            try:
                socket = open_socket(server, ann)
                socket.recv(timeout=0.3)
            except TimeoutError:
                break  # open, and not closed at once: the bus is back
            except (InvalidStatus, ConnectionClosed, OSError):
                time.sleep(0.2)
            assert time.monotonic() - back < 5, "not recovered within 5 s"
        with socket:
            sent = demo_send(ann, "after")
            assert next_frame(socket)["notification"]["event"]["id"] == sent["event"]
        listed = ann.get("/api/notifications/?limit=10").json()["results"]
        titles = [row["event"]["title"] for row in listed]
        assert [f"while down {i}" for i in range(3)] == titles[1:4][::-1]
        assert {s["event"] for s in while_down} <= {row["event"]["id"] for row in listed}
        log = server.log()
    assert "Traceback" not in log, log
    # Logged once by the hub (sockets closed) and once by the sender (pushes lost).
    assert log.count("Notifications bus unavailable") == 2, log


def test_a_worker_killed_with_sigkill_stops_being_addressed_at_once(
    served: tuple[DemoServer, int], tmp_path: Path
) -> None:
    """Presence is the worker's subscription to its users' channels: gone with its connection."""
    server, port = served
    ann = server.login("ann")
    client = redis.Redis(port=port, decode_responses=True)
    with open_socket(server, ann):
        (channel,) = client.pubsub_channels("outage:u:*")  # ann's, held by this worker
        assert client.pubsub_numsub(channel) == [(channel, 1)]
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
    deadline = time.monotonic() + 2
    while client.pubsub_numsub(channel)[0][1] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.pubsub_numsub(channel) == [(channel, 0)]

    other_env = dict(server.env)
    with demo_server(other_env, tmp_path / "second.log") as second:
        ann_again = second.login("ann")
        with open_socket(second, ann_again) as socket:
            assert client.pubsub_numsub(channel) == [(channel, 1)]  # the new worker only
            sent = demo_send(ann_again, "heard by the live worker")
            assert next_frame(socket)["notification"]["event"]["id"] == sent["event"]
        ann_again.close()
