"""Helpers of the end-to-end tests: the demo served by real uvicorn processes."""

from __future__ import annotations

import json
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.servers import DemoServer

#: How long a test waits for a frame that must come.
FRAME_TIMEOUT = 10


def open_socket(
    server: DemoServer,
    client: httpx.Client | None,
    origin: str | None = None,
    session: str | None = None,
) -> ClientConnection:
    """A real WebSocket to ``server`` with ``client``'s session cookie and a same-site Origin."""
    session = session or (client.cookies["sessionid"] if client else "")
    return connect(
        f"{server.ws_url}/ws/notifications",
        origin=origin or server.url,  # type: ignore[arg-type]
        additional_headers={"Cookie": f"sessionid={session}"},
        proxy=None,
        open_timeout=FRAME_TIMEOUT,
    )


def next_frame(socket: ClientConnection) -> dict[str, Any]:
    """The next frame, decoded (TimeoutError if none comes)."""
    frame: dict[str, Any] = json.loads(socket.recv(timeout=FRAME_TIMEOUT))
    return frame


def demo_send(client: httpx.Client, title: str, audience: Any = "me") -> dict[str, Any]:
    """Send through the server's ``POST /demo/send``; the answer names the event."""
    response = client.post(
        "/demo/send", json={"type": "mention", "title": title, "audience": audience}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer
