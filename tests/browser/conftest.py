"""Fixtures of the browser tests: the demo under a real uvicorn process and Debian's Chromium.

Chromium comes from the system (``apt-get install -y chromium``, see
``scripts/ensure-tool.sh``), never from ``playwright install``. Without it
the tests skip locally and fail in CI (``CI=true``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import EXAMPLE, DemoServer, demo_server, prepare_demo_db

SERVICES = os.environ.get("NOTIFICATIONS_TEST_SERVICES") == "1"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
MISSING_CHROMIUM = (
    "Chromium is not installed, so the browser tests cannot run. Install Debian's package: "
    "`sudo apt-get install -y chromium` (or run scripts/ensure-tool.sh as root). "
    "Do not use `playwright install`."
)
#: How long the demo server may take to start (s): long on a loaded 2-core machine.
START_TIMEOUT = 120
#: How long a page may take to show a live change (ms).
LIVE_TIMEOUT = 10_000


def chromium_path() -> str:
    """The system Chromium; skip (locally) or fail (CI=true) when it is missing."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(MISSING_CHROMIUM, pytrace=False)
    pytest.skip(MISSING_CHROMIUM)


class Demo:
    """The demo served by uvicorn; ``restart()`` stops it and serves it again on the same port."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self._stack = ExitStack()
        self.server: DemoServer = self._stack.enter_context(
            demo_server(env, log_path, timeout=START_TIMEOUT)
        )
        self.url = self.server.url
        self._ids: dict[str, int] = {}
        self._clients: dict[str, httpx.Client] = {}

    @contextmanager
    def client(self, username: str) -> Iterator[httpx.Client]:
        """An httpx client logged in as ``username`` (session + CSRF), kept for the package.

        Logging in hashes a password, so each user logs in once; the session
        outlives server restarts (it is stored in the database).
        """
        if username not in self._clients:
            self._clients[username] = self.server.login(username)
        yield self._clients[username]

    def user_id(self, username: str) -> int:
        """A demo user's id, read from the inbox page's config."""
        if not self._ids:
            with self.client("admin") as client:
                html = client.get("/").text
            match = re.search(r'id="demo-config" type="application/json">(.*?)</script>', html)
            assert match, html[:500]
            names = json.loads(match.group(1))["usernames"]
            self._ids = {name: int(pk) for pk, name in names.items()}
        return self._ids[username]

    def send(self, sender: str, to: str, title: str, type: str = "mention", **extra: Any) -> None:
        """POST /demo/send from ``sender`` to ``to`` (as staff: only staff may address others)."""
        body = {
            "type": type,
            "title": title,
            "audience": [self.user_id(to)],
            "author": self.user_id(sender),
            **extra,
        }
        with self.client("admin") as client:
            response = client.post("/demo/send", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["notifications_count"] in (0, 1)

    def manage_shell(self, code: str) -> str:
        """Run Python in ``manage.py shell`` on the demo's database (also while it is down)."""
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=EXAMPLE,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def restart(self, while_down: Callable[[], None]) -> None:
        """Stop the server, call ``while_down()``, then serve again on the same port."""
        port = int(self.url.rsplit(":", 1)[1])
        self._stack.close()
        while_down()
        self._stack = ExitStack()
        self.server = self._stack.enter_context(
            demo_server(self.env, self.log_path, timeout=START_TIMEOUT, port=port)
        )

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._stack.close()


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A fresh demo database (ann, bob, admin) under uvicorn; Redis layer on the services leg."""
    chromium_path()  # skip before paying for the server
    workdir = tmp_path_factory.mktemp("browser")
    # The browser tests send far more than a person would (tests/security checks the throttle).
    extra = {
        "DJANGO_SETTINGS_MODULE": "demo.settings",
        "DEMO_DEBUG": "0",
        "DEMO_SEND_RATE": "10000/minute",
    }
    if SERVICES:
        extra["DEMO_REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        extra["DEMO_REDIS_PREFIX"] = f"browser-tests-{os.getpid()}"
    env = prepare_demo_db(workdir / "demo.sqlite3", extra)
    server = Demo(env, workdir / "server.log")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright's sync API (outside any running event loop)."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def logged_in(demo: Demo, browser: Any) -> Iterator[Callable[..., Any]]:
    """``logged_in("ann", **context_options)``: a browser context with ann's session.

    Pages of one context share storage, so they share one socket (one leader tab).
    """
    contexts: list[Any] = []

    def new_context(username: str | None, **options: Any) -> Any:
        options.setdefault("viewport", {"width": 1100, "height": 760})
        context = browser.new_context(**options)
        contexts.append(context)
        if username is not None:
            with demo.client(username) as client:
                context.add_cookies(
                    [
                        {"name": name, "value": value, "url": demo.url}
                        for name, value in client.cookies.items()
                    ]
                )
        return context

    yield new_context
    for context in contexts:
        context.close()


def new_page(context: Any) -> Any:
    """A page that records its uncaught errors in ``page.errors``."""
    page = context.new_page()
    page.set_default_timeout(LIVE_TIMEOUT)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    return page


@pytest.fixture
def open_inbox(demo: Demo, logged_in: Callable[..., Any]) -> Callable[..., Any]:
    """``open_inbox("ann")``: a page of the inbox, logged in, with its socket open.

    Each call opens its own browser context (its own socket). ``socket=handler``
    routes the page's WebSocket to ``handler(WebSocketRoute)`` instead of the server.
    """

    def open_page(
        username: str, path: str = "/", socket: Callable[[Any], None] | None = None
    ) -> Any:
        page = new_page(logged_in(username))
        if socket is not None:  # the test plays the server: Playwright mocks the WebSocket
            page.route_web_socket("**/ws/notifications", socket)
        page.goto(demo.url + path)
        if path == "/":
            wait_live(page)
        return page

    return open_page


def wait_live(page: Any) -> None:
    """Wait until the page's list is loaded and its socket is open."""
    page.wait_for_selector('#status[data-connected="true"]')
    page.wait_for_selector('#notifications[aria-busy="false"]', state="attached")
