"""Handshakes that clients abandon leave nothing behind; a slow reader delays no one."""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import struct
import time
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from notifications.helpers import send_notification
from notifications.realtime.messages import Frames
from notifications.realtime.publish import publish
from tests.faults.inprocess import the_hub, uvicorn_in_thread
from tests.support import session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def upgrade_then_reset(port: int, cookie: bytes) -> None:
    """Send a WebSocket upgrade request, then reset the connection before the answer."""
    key = base64.b64encode(os.urandom(16))
    request = (
        b"GET /ws/notifications HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\n"
        b"Sec-WebSocket-Version: 13\r\nCookie: " + cookie + b"\r\n\r\n"
    )
    raw = socket.create_connection(("127.0.0.1", port))
    raw.sendall(request)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    raw.close()  # RST


def test_abandoned_handshakes_leave_no_registration_and_no_error(
    ann: Any, caplog: pytest.LogCaptureFixture
) -> None:
    cookie = session_cookie(ann)
    with caplog.at_level(logging.DEBUG), uvicorn_in_thread() as port:
        for _ in range(100):
            upgrade_then_reset(port, cookie)
        time.sleep(1.5)
        with connect(
            f"ws://127.0.0.1:{port}/ws/notifications",
            additional_headers={"Cookie": cookie.decode()},
            proxy=None,
            open_timeout=30,
        ) as live:
            hub = the_hub()
            assert list(hub.by_user) == [ann.pk]
            assert len(hub.by_user[ann.pk]) == 1  # the live socket only
            send_notification(type="post_like", title="still served", users=[ann])
            assert json.loads(live.recv(timeout=5))["action"] == "new"
        time.sleep(0.5)
        assert hub.by_user == {}
        assert hub.by_session == {}
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


def test_a_slow_reader_is_bounded_and_does_not_delay_its_neighbours(
    ann: Any, bob: Any, settings: Any
) -> None:
    settings.NOTIFICATIONS = {"BUS": "local", "SOCKET_QUEUE_SIZE": 50}
    big = "x" * 65_000
    with uvicorn_in_thread() as port:
        url = f"ws://127.0.0.1:{port}/ws/notifications"
        slow = connect(
            url,
            additional_headers={"Cookie": session_cookie(ann).decode()},
            proxy=None,
            max_size=None,
        )
        with connect(
            url, additional_headers={"Cookie": session_cookie(bob).decode()}, proxy=None
        ) as neighbour:
            for _ in range(10):  # 32 MB for ann, who reads nothing
                publish(lambda: [Frames(((ann.pk, big),) * 50)])
            started = time.monotonic()
            send_notification(type="post_like", title="for bob", users=[bob])
            frame = json.loads(neighbour.recv(timeout=5))
            assert frame["notification"]["event"]["title"] == "for bob"
            assert time.monotonic() - started < 2
        hub = the_hub()
        # Closed with its frames dropped (memory bounded), or already gone from the hub.
        stalled = list(hub.by_user.get(ann.pk, ()))
        assert [(s.close_code, s.queued) for s in stalled] in ([], [(4429, 0)])
        codes = []
        try:
            while True:
                slow.recv(timeout=10)
        except ConnectionClosed as closed:
            codes.append(closed.rcvd.code if closed.rcvd else None)
        assert codes == [4429]
