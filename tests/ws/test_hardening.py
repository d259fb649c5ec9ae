"""What clients send is ignored and cannot hurt the socket; a dead bus closes it cleanly."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from notifications.realtime.hub import CLOSE_BUS_UNAVAILABLE
from tests.servers import free_port
from tests.ws.conftest import Opener
from tests.ws.support import FRAME_TIMEOUT, FlakyBus, receive_frame, send, silent

pytestmark = pytest.mark.django_db(transaction=True)

GARBAGE_TEXT = [
    "not json",
    "{",
    json.dumps({"action": "new", "notification": {"id": 1}}),
    json.dumps({"type": "notifications.push", "text": '{"action":"new"}'}),
    json.dumps({"type": "websocket.close"}),
    json.dumps([1, 2, 3]),
    "\x00\ud7ff\u2028",
    "x" * (1024 * 1024),
]
GARBAGE_BYTES = [b"\x00\xff\xfe", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64]


async def test_client_frames_are_ignored_and_delivery_goes_on(
    open_socket: Opener, ann: Any, bob: Any
) -> None:
    socket, other = await open_socket(ann), await open_socket(bob)

    for text in GARBAGE_TEXT:
        await socket.send_to(text_data=text)
    for data in GARBAGE_BYTES:
        await socket.send_to(bytes_data=data)

    # Nothing echoed, nothing injected, the socket is not closed ...
    assert await silent(socket, other)
    # ... and it still delivers.
    await send([ann], title="After the garbage")
    frame = await receive_frame(socket)
    assert (frame["action"], frame["notification"]["event"]["title"]) == (
        "new",
        "After the garbage",
    )
    assert await silent(other)


async def test_dead_bus_refuses_the_handshake_with_1013_and_warns_once(
    settings: Any, caplog: pytest.LogCaptureFixture, open_socket: Opener, ann: Any
) -> None:
    settings.NOTIFICATIONS = {
        "BUS": "redis",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "BUS_CONNECT_TIMEOUT": 0.5,
    }

    socket = await open_socket(ann)  # accepted, so the client can tell it from a 4401 ...

    closed = await socket.receive_output(timeout=FRAME_TIMEOUT)  # ... and closed at once
    assert closed == {"type": "websocket.close", "code": CLOSE_BUS_UNAVAILABLE}
    mine = [r for r in caplog.records if r.name == "notifications"]
    assert [r.levelno for r in mine] == [logging.WARNING]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_bus_lost_after_accept_closes_with_1013_then_recovers(
    settings: Any, caplog: pytest.LogCaptureFixture, open_socket: Opener, ann: Any
) -> None:
    settings.NOTIFICATIONS = {"BUS": "tests.ws.support.FlakyBus"}
    socket = await open_socket(ann)

    FlakyBus.outage.set()

    closed = await socket.receive_output(timeout=FRAME_TIMEOUT)
    assert closed == {"type": "websocket.close", "code": CLOSE_BUS_UNAVAILABLE}
    FlakyBus.outage.clear()
    FlakyBus.recovered.set()
    again = await open_socket(ann)
    await send([ann], title="after the outage")
    assert (await receive_frame(again))["notification"]["event"]["title"] == "after the outage"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    warnings = [r.getMessage() for r in caplog.records if r.name == "notifications"]
    assert len(warnings) == 2, warnings
    assert "back" in warnings[1]
