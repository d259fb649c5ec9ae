"""Garbage, binary and huge client frames against a real uvicorn server: it stays up and delivers.

The in-process tests (tests/ws) cover the consumer; this one goes through the
whole server: the WebSocket protocol layer, its frame size limit (uvicorn
closes a socket sending a frame above 16 MiB with 1009) and the process.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.servers import DemoServer, demo_server, prepare_demo_db
from tests.support import SERVICES

TIMEOUT = 10
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    workdir = tmp_path_factory.mktemp("faults")
    extra = {"DJANGO_SETTINGS_MODULE": "demo.settings", "DEMO_DEBUG": "0"}
    if SERVICES:
        extra["DEMO_REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        extra["DEMO_REDIS_PREFIX"] = f"faults-{os.getpid()}"
    env = prepare_demo_db(workdir / "demo.sqlite3", extra)
    with demo_server(env, workdir / "server.log") as running:
        yield running


def open_socket(stack: contextlib.ExitStack, server: DemoServer, session: Any) -> ClientConnection:
    """A socket of the session's user, closed when ``stack`` closes."""
    cookie = f"sessionid={session.cookies['sessionid']}"
    socket: ClientConnection = stack.enter_context(
        connect(
            f"{server.ws_url}/ws/notifications",
            additional_headers={"Cookie": cookie, "Origin": server.url},
            open_timeout=TIMEOUT,
            max_size=None,
        )
    )
    return socket


def send(session: Any, title: str) -> None:
    response = session.post(
        "/demo/send", json={"type": "post_like", "title": title, "audience": "me"}
    )
    assert response.status_code < 300, response.text


def title_of(socket: ClientConnection) -> str:
    frame = json.loads(socket.recv(timeout=TIMEOUT))
    assert frame["action"] == "new"
    title: str = frame["notification"]["event"]["title"]
    return title


def test_hostile_frames_never_stop_delivery(server: DemoServer, tmp_path: Path) -> None:
    ann = server.login("ann")
    with contextlib.ExitStack() as stack:
        hostile, bystander = open_socket(stack, server, ann), open_socket(stack, server, ann)
        for text in ["not json", "{", '{"type": "websocket.close"}', "\x00" * 10, "é" * 1000]:
            hostile.send(text)
        for data in [b"\x00\xff\xfe", bytes(range(256)) * 4096]:  # 1 MiB binary
            hostile.send(data)
        hostile.send("x" * MIB)  # a big text frame, under the limit
        send(ann, "after garbage")
        assert title_of(hostile) == "after garbage"
        assert title_of(bystander) == "after garbage"

        # A frame above uvicorn's limit: only that socket is closed (1009 "message too big").
        huge = open_socket(stack, server, ann)
        with contextlib.suppress(ConnectionClosed):  # the server may close while we send
            huge.send(b"\x00" * (17 * MIB))
        with pytest.raises(ConnectionClosed) as closed:
            huge.recv(timeout=TIMEOUT)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1009

        send(ann, "after huge")
        assert title_of(hostile) == "after huge"
        assert title_of(bystander) == "after huge"
        late = open_socket(stack, server, ann)
        send(ann, "new socket")
        assert title_of(late) == "new socket"

    assert server.process.poll() is None
    log = server.log()
    assert "Traceback" not in log, log
    assert "Exception" not in log, log
