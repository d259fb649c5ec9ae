"""Frames of one user stay ordered across workers: reads and deletes racing on two processes.

Two uvicorn workers share the database (and Redis on the services leg); one of ann's
devices is on each. Worker A marks her rows read while worker B deletes the same rows,
so a row's ``readed`` frame and its ``deleted`` frame come from two processes, and can
reach a socket in either order. Every frame carries ``seq``, and a client that keeps only
the counts of the greatest ``seq`` it saw ends on the true counts. On the database bus
``seq`` follows commit order exactly: a row's ``readed`` (committed first) has a smaller
one than its ``deleted``. On Redis it follows the order of publication after commit,
whose counts are read after it (docs/realtime.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection

from tests.e2e.conftest import open_socket
from tests.servers import EXAMPLE, DemoServer, demo_backend, demo_server
from tests.settings import SERVICES

pytestmark = pytest.mark.timeout(240)

BACKENDS = ["postgres", "postgres+redis"] if SERVICES else ["sqlite"]
ROWS = 40


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def servers(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DemoServer, DemoServer]]:
    workdir = tmp_path_factory.mktemp(backend)
    with (
        demo_backend(backend, workdir) as env,
        demo_server(env, workdir / "a.log") as a,
        demo_server(env, workdir / "b.log") as b,
    ):
        yield a, b
        for server in (a, b):
            assert "Traceback" not in server.log(), server.log()


def seed(env: dict[str, str], count: int) -> None:
    """``count`` more notifications for ann, sent from a process of their own."""
    code = (
        "from django.contrib.auth import get_user_model\n"
        "from notifications.helpers import send_notification\n"
        "ann = get_user_model().objects.get(username='ann')\n"
        f"for i in range({count}):\n"
        "    send_notification('mention', f'row {i}', users=[ann])\n"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=EXAMPLE,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def drain(socket: ClientConnection, quiet: float = 1.5) -> list[dict[str, Any]]:
    """Every frame until the socket has been quiet for ``quiet`` seconds."""
    frames = []
    while True:
        try:
            frames.append(json.loads(socket.recv(timeout=quiet)))
        except TimeoutError:
            return frames


def test_reads_and_deletes_racing_on_two_workers_keep_the_user_s_frames_ordered(
    backend: str, servers: tuple[DemoServer, DemoServer]
) -> None:
    a, b = servers
    seed(a.env, ROWS)
    reader, deleter = a.login("ann"), b.login("ann")
    ids = [row["id"] for row in reader.get("/api/notifications/?limit=100").json()["results"]]
    assert len(ids) >= ROWS
    with open_socket(a, reader) as on_a, open_socket(b, deleter) as on_b:
        start = threading.Barrier(2)

        def race(client: httpx.Client, method: str) -> None:
            start.wait()
            for pk in ids:
                response = client.request(method, f"/api/notifications/{pk}")
                assert response.status_code in (200, 204, 404), response.text

        threads = [
            threading.Thread(target=race, args=(reader, "PATCH")),
            threading.Thread(target=race, args=(deleter, "DELETE")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        truth = reader.get("/api/notifications/unread-count").json()
        sockets = {"a": drain(on_a), "b": drain(on_b)}

    for name, frames in sockets.items():
        assert frames, name
        assert all(isinstance(frame["seq"], int) for frame in frames), frames
        readed = {f["notification"]["id"]: f["seq"] for f in frames if f["action"] == "readed"}
        deleted = {f["notification"]["id"]: f["seq"] for f in frames if f["action"] == "deleted"}
        assert set(deleted) == set(ids), name
        if not backend.endswith("redis"):
            late = [pk for pk in readed if readed[pk] > deleted[pk]]
            assert late == [], f"{name}: readed after deleted in seq for rows {late}"
        # What client.js shows: the counts of the greatest seq applied so far.
        newest, shown = None, None
        for frame in frames:
            if newest is None or frame["seq"] >= newest:
                newest, shown = frame["seq"], {"unread": frame["unread"], "unseen": frame["unseen"]}
        assert shown == truth == {"unread": 0, "unseen": 0}, name
    for client in (reader, deleter):
        client.close()
