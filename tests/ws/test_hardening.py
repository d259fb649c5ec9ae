"""What clients send is ignored and cannot hurt the socket; a dead layer closes it cleanly."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from notifications.consumers import CLOSE_UNAVAILABLE
from tests.ws.conftest import Opener
from tests.ws.support import FRAME_TIMEOUT, FlakyLayer, receive_frame, send, silent
from tests.ws.test_dead_layer import dead_redis

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


async def test_dead_layer_closes_the_handshake_with_1011_and_logs_once(
    settings: Any, caplog: pytest.LogCaptureFixture, open_socket: Opener, ann: Any
) -> None:
    settings.CHANNEL_LAYERS = dead_redis()

    socket = await open_socket(ann, expect_accept=False)

    assert socket.outcome == CLOSE_UNAVAILABLE  # type: ignore[attr-defined]
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in failures] == ["notifications"]


async def test_layer_lost_after_accept_closes_with_1011_and_logs_once(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    open_socket: Opener,
    ann: Any,
) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.ws.support.FlakyLayer"}}
    socket = await open_socket(ann)
    monkeypatch.setattr(FlakyLayer, "failing", True)

    await send([ann])  # wakes the socket's receive, which now fails

    closed = await socket.receive_output(timeout=FRAME_TIMEOUT)
    assert closed == {"type": "websocket.close", "code": CLOSE_UNAVAILABLE}
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in failures] == ["notifications"]
