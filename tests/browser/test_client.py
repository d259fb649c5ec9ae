"""client.js against a scripted WebSocket (Playwright plays the server) and the real REST API."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.browser.conftest import Demo

# 180 s: the first test also pays for the package's demo server (migrate, seed, start),
# which takes over a minute on a loaded 2-core machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def fake_notification(notification_id: int, user: int, title: str) -> dict[str, Any]:
    return {
        "id": notification_id,
        "user": user,
        "readed": None,
        "event": {
            "id": notification_id,
            "timestamp": "2026-11-24T10:00:00Z",
            "author": None,
            "type": {"id": 3, "name": "mention", "title": "Mentions", "description": None},
            "title": title,
            "message": None,
            "data": None,
        },
    }


class ScriptedServer:
    """The WebSocket's far end, driven by the test: accepts or refuses, sends frames."""

    def __init__(self) -> None:
        self.sockets: list[Any] = []
        self.refuse = False

    def __call__(self, socket: Any) -> None:
        if self.refuse:
            socket.close(code=4000, reason="refused by the test")
            return
        self.sockets.append(socket)

    def send(self, frame: dict[str, Any]) -> None:
        self.sockets[-1].send(json.dumps(frame))


def test_frames_update_list_and_badge_and_unknown_actions_are_ignored(demo: Demo, open_inbox: Any):
    server = ScriptedServer()
    page = open_inbox("bob", socket=server)
    bob = demo.user_id("bob")
    unread = page.evaluate("notificationsClient.unread")
    page.evaluate(
        "window.changes = [];"
        "notificationsClient.addEventListener('change', e => changes.push(e.detail.reason))"
    )

    server.send({"action": "confetti", "notification": {"id": 1}, "unread": 99})
    server.sockets[-1].send("not json")
    server.send({"action": None, "unread": 98})
    server.send(
        {
            "action": "new",
            "notification": fake_notification(10**9, bob, "Scripted"),
            "unread": unread + 1,
        }
    )
    page.locator("li.notification", has_text="Scripted").wait_for()
    assert page.evaluate("changes") == ["new"]
    label = page.get_attribute("#bell", "aria-label")
    assert label.startswith(f"Notifications, {unread + 1} unread"), label

    server.send({"action": "deleted", "notification": {"id": 10**9}, "unread": unread})
    page.locator("li.notification", has_text="Scripted").wait_for(state="detached")
    page.wait_for_function("n => notificationsClient.unread === n", arg=unread)

    # As the server sends it: reading everything also marks it seen.
    server.send(
        {"action": "readed_all", "before": "2026-11-24T10:00:00Z", "unread": 0, "unseen": 0}
    )
    page.wait_for_function(
        "() => document.getElementById('inbox').shadowRoot"
        ".querySelectorAll('li.notification.unread').length === 0"
    )
    assert page.is_hidden("#badge")
    assert page.errors == []


def test_reconnects_with_growing_jittered_delays_then_catches_up_through_rest(
    demo: Demo, open_inbox: Any
):
    server = ScriptedServer()
    page = open_inbox("bob", socket=server)
    page.evaluate(
        "window.delays = [];"
        "notificationsClient.addEventListener('connection', e => {"
        "  if (e.detail.delay !== undefined) delays.push(e.detail.delay); })"
    )
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    server.refuse = True
    server.sockets[-1].close(code=4000)
    page.wait_for_function("() => delays.length >= 4", timeout=15_000)
    server.refuse = False
    delays = page.evaluate("delays")[:4]
    for attempt, delay in enumerate(delays):
        ceiling = 500 * 2**attempt
        assert ceiling / 2 <= delay <= ceiling, delays
    assert len(set(delays)) > 1, "no jitter"

    page.wait_for_selector('#status[data-connected="true"]', timeout=15_000)
    deadline = time.monotonic() + 10
    while not any("unread-count" in url for url in requests) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    catch_up = [url for url in requests if "/api/notifications/" in url]
    assert any("after_id=" in url for url in catch_up), catch_up
    assert any("readed=" in url for url in catch_up), catch_up
