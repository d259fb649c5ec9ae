"""The README's tutorial page in Debian's Chromium: before and after login, at every width.

The project is the README's own (``tests/browser/tutorial.py`` builds it from the
marked blocks); the steps are the README's: open the page, log in through the
admin, send from the shell (step 5), follow the notification's link.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import LIVE_TIMEOUT, chromium_path, new_page
from tests.browser.test_layout import overflow, serious_violations
from tests.browser.tutorial import PASSWORD, Tutorial, serve_tutorial

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

WIDTHS = [320, 375, 768, 1280]
INBOX = "notifications-inbox[inline]"


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tutorial]:
    chromium_path()  # skip (or fail in CI) before paying for the project
    with serve_tutorial(tmp_path_factory.mktemp("tutorial")) as served:
        yield served


def log_in(page: Any, tutorial: Tutorial) -> None:
    """Step 4: log in at /admin/login/?next=/ as admin, landing on the inbox page."""
    page.goto(f"{tutorial.url}/admin/login/?next=/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{tutorial.url}/")
    page.wait_for_selector(f'{INBOX} #status[data-connected="true"]')


def unread_of(tutorial: Tutorial) -> list[dict[str, Any]]:
    out = tutorial.shell(
        "import json; from notifications.models import Notification; "
        "print(json.dumps([{'title': n.event.title, 'readed': str(n.readed)} "
        "for n in Notification.objects.order_by('id')]))"
    )
    rows: list[dict[str, Any]] = json.loads(out.strip().splitlines()[-1])
    return rows


def test_before_login_the_page_says_so_once_and_stops_retrying(
    tutorial: Tutorial, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 700})
    try:
        page = new_page(context)
        sockets: list[str] = []
        page.on("websocket", lambda socket: sockets.append(socket.url))
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{tutorial.url}/")

        page.wait_for_selector(f"{INBOX} #empty:has-text('Log in to see your notifications.')")
        attempts = len(sockets)
        page.wait_for_timeout(4000)  # the client's backoff starts at 0.5 s: retries would show

        shadow_text = page.locator(f"{INBOX} #panel").inner_text()
        assert shadow_text.count("Log in to see your notifications.") == 1
        assert "Authentication credentials" not in shadow_text
        assert page.locator(f"{INBOX} #error").is_hidden()
        assert page.locator(f"{INBOX} #status").is_hidden()
        assert page.locator(f"{INBOX} #mark-all").is_disabled()
        assert len(sockets) == attempts, sockets
        assert attempts <= 2, sockets
        assert not any("Reconnecting" in line for line in console)
        assert page.errors == []
        assert overflow(page) == 0
    finally:
        context.close()


def test_logged_in_the_page_fits_every_width_and_follows_a_link(
    tutorial: Tutorial, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = new_page(context)
        log_in(page, tutorial)
        tutorial.send_step()  # README step 5: the shell send with url='/admin/'
        row = page.locator(f"{INBOX} li.notification.unread").first
        row.wait_for(timeout=LIVE_TIMEOUT)
        tutorial.shell(
            "from django.contrib.auth import get_user_model; "
            "from notifications.helpers import send_notification; "
            "admin = get_user_model().objects.get(username='admin'); "
            "send_notification('post_comment', 'A rather long title ' + 'word ' * 40, "
            "users=[admin], message='x' * 300)"
        )
        page.locator(f"{INBOX} li.notification").nth(1).wait_for(timeout=LIVE_TIMEOUT)

        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.wait_for_timeout(100)
            assert overflow(page) == 0, f"horizontal scroll at {width} px"
            box = page.locator(f"{INBOX} #heading").bounding_box()
            assert box is not None
            assert box["x"] >= 0, f"heading cut off at {width} px"
            dot = page.locator(f"{INBOX} li.unread .dot").first.bounding_box()
            assert dot is not None
            assert dot["x"] >= 0, f"unread dot cut off at {width} px"
        font = page.evaluate(
            "getComputedStyle(document.querySelector('notifications-inbox')).fontFamily"
        )
        assert "serif" not in font.replace("sans-serif", ""), font
        assert serious_violations(page) == []

        link = page.locator(f"{INBOX} a.title-link", has_text="Ann liked your post")
        assert link.get_attribute("href") == f"{tutorial.url}/admin/"
        link.click()
        page.wait_for_url(f"{tutorial.url}/admin/")
        liked = [row for row in unread_of(tutorial) if row["title"] == "Ann liked your post"]
        assert liked
        assert liked[0]["readed"] != "None"
    finally:
        context.close()


def test_enter_on_a_row_follows_its_link(tutorial: Tutorial, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 700})
    try:
        page = new_page(context)
        log_in(page, tutorial)
        tutorial.shell(
            "from django.contrib.auth import get_user_model; "
            "from notifications.helpers import send_notification; "
            "admin = get_user_model().objects.get(username='admin'); "
            "send_notification('post_like', 'Keyboard one', users=[admin], url='/admin/auth/')"
        )
        row = page.locator(f"{INBOX} li.notification", has_text="Keyboard one")
        row.wait_for(timeout=LIVE_TIMEOUT)
        row.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{tutorial.url}/admin/auth/")
        keyed = [row for row in unread_of(tutorial) if row["title"] == "Keyboard one"]
        assert keyed[0]["readed"] != "None"
    finally:
        context.close()
