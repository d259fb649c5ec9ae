"""The element served to a page of another origin, configured as docs/js-client.md says.

The page is plain HTML on ``http://localhost:<port B>`` (a static file server);
Django is the README's tutorial project on ``http://localhost:<port A>`` with
django-cors-headers, ``CORS_ALLOW_CREDENTIALS`` and ``CSRF_TRUSTED_ORIGINS``.
The page loads the module from Django, lists over REST with the session cookie,
receives a live send on the socket and marks all read (a CSRF-protected write).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LIVE_TIMEOUT, chromium_path, new_page
from tests.browser.tutorial import PASSWORD, Tutorial, serve_tutorial
from tests.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

PAGE_PORT = free_port()
PAGE_ORIGIN = f"http://localhost:{PAGE_PORT}"
# docs/js-client.md, "From another origin", for a page on PAGE_ORIGIN.
CORS_SETTINGS = f"""
INSTALLED_APPS += ["corsheaders"]
MIDDLEWARE.insert(0, "corsheaders.middleware.CorsMiddleware")
CORS_ALLOWED_ORIGINS = ["{PAGE_ORIGIN}"]
CORS_ALLOW_CREDENTIALS = True
CSRF_TRUSTED_ORIGINS = ["{PAGE_ORIGIN}"]
"""
PAGE = """<!doctype html>
<html lang="en">
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Inbox on another origin</title>
<script type="module" src="{api}/static/notifications/inbox.js"
  onerror="console.error('notifications/inbox.js could not be loaded (path? CORS?)')"></script>
<notifications-inbox inline api-url="{api}/notifications/"></notifications-inbox>
</html>
"""


@pytest.fixture(scope="module")
def django_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tutorial]:
    chromium_path()
    with serve_tutorial(tmp_path_factory.mktemp("cors"), CORS_SETTINGS) as served:
        yield served


@pytest.fixture(scope="module")
def page_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A static file server on PAGE_PORT: the "Vite dev server" of the docs."""
    root = tmp_path_factory.mktemp("pages")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", PAGE_PORT), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root
    finally:
        server.shutdown()
        server.server_close()


def local(url: str) -> str:
    return url.replace("127.0.0.1", "localhost")


def test_the_element_works_from_another_origin(
    django_origin: Tutorial, page_origin: Path, browser: Any
) -> None:
    api = local(django_origin.url)
    (page_origin / "inbox.html").write_text(PAGE.format(api=api))
    context = browser.new_context(viewport={"width": 800, "height": 700})
    try:
        page = new_page(context)
        console: list[str] = []
        page.on(
            "console",
            lambda message: console.append(
                f"{message.type}: {message.text} ({message.location.get('url', '')})"
            ),
        )
        page.goto(f"{api}/admin/login/?next=/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{api}/")

        page.goto(f"{PAGE_ORIGIN}/inbox.html")
        page.wait_for_selector('notifications-inbox #status[data-connected="true"]')
        page.wait_for_selector(
            'notifications-inbox #notifications[aria-busy="false"]', state="attached"
        )
        django_origin.send_step()
        row = page.locator("notifications-inbox li.notification.unread")
        row.wait_for(timeout=LIVE_TIMEOUT)
        link = page.locator("notifications-inbox a.title-link")
        # A path resolves against the page, as any relative link does (the SPA's routes).
        assert link.get_attribute("href") == f"{PAGE_ORIGIN}/admin/"

        page.locator("notifications-inbox #mark-all").click()  # POST read-all: CORS + CSRF
        page.wait_for_selector("notifications-inbox li.notification.read")
        assert page.locator("notifications-inbox #error").is_hidden()
        assert page.errors == []
        errors = [line for line in console if line.startswith("error")]
        assert not [line for line in errors if "favicon.ico" not in line], console
    finally:
        context.close()


def test_a_module_that_cannot_load_says_so_in_the_console(page_origin: Path, browser: Any) -> None:
    """The docs' page pointed at a server without CORS headers: an error, not silence."""
    (page_origin / "no-cors.html").write_text(PAGE.format(api=f"http://localhost:{free_port()}"))
    context = browser.new_context()
    try:
        page = new_page(context)
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.goto(f"{PAGE_ORIGIN}/no-cors.html")
        page.wait_for_timeout(1500)
        assert any("notifications/inbox.js could not be loaded" in line for line in console), (
            console
        )
    finally:
        context.close()
