"""The shipped service worker in Chromium: it registers, and a push shows a notification.

No push service is reachable here, so the push is delivered through the DevTools
protocol (``ServiceWorker.deliverPushMessage``), which runs the worker's real
``push`` handler with the payload the server builds.
"""

from __future__ import annotations

import functools
import json
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.browser

SW = Path(__file__).resolve().parents[2] / "notifications" / "static" / "notifications" / "sw.js"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """A loopback origin serving the package's sw.js and an empty page."""
    shutil.copy(SW, tmp_path / "sw.js")
    (tmp_path / "index.html").write_text("<!doctype html><title>sw</title>")
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_push_shows_a_notification(site: str) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.grant_permissions(["notifications"], origin=site)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            registrations: list[dict[str, Any]] = []
            cdp.on(
                "ServiceWorker.workerRegistrationUpdated",
                lambda event: registrations.extend(event["registrations"]),
            )
            cdp.send("ServiceWorker.enable")
            page.goto(f"{site}/index.html")
            scope = page.evaluate(
                """async () => {
                    const registration = await navigator.serviceWorker.register("/sw.js");
                    await navigator.serviceWorker.ready;
                    return registration.scope;
                }"""
            )
            assert scope == f"{site}/"
            deadline = time.monotonic() + 10
            while not registrations and time.monotonic() < deadline:
                page.wait_for_timeout(50)
            registration_id = registrations[0]["registrationId"]
            payload = {
                "title": "Cy mentioned you",
                "body": "in #general",
                "tag": "notification-7",
                "url": "/inbox",
                "notification": {"id": 7},
            }
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {"origin": site, "registrationId": registration_id, "data": json.dumps(payload)},
            )
            shown: list[Any] = []
            while not shown and time.monotonic() < deadline + 10:
                page.wait_for_timeout(100)
                shown = page.evaluate(
                    """async () => {
                        const registration = await navigator.serviceWorker.ready;
                        const all = await registration.getNotifications();
                        return all.map(n => ({title: n.title, body: n.body, tag: n.tag,
                                              data: n.data}));
                    }"""
                )
            assert shown == [
                {
                    "title": "Cy mentioned you",
                    "body": "in #general",
                    "tag": "notification-7",
                    "data": {"url": "/inbox", "notification": {"id": 7}},
                }
            ]
        finally:
            browser.close()
