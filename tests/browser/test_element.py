"""<notifications-inbox> and <notifications-bell> in Debian's Chromium, against the demo."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import Demo, new_page

# 180 s: the first test also pays for the package's demo server (migrate, seed, start),
# which takes over a minute on a loaded 2-core machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

POPOVER = "notifications-inbox:not([inline])"


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:6]}"


def shadow(page: Any, script: str) -> Any:
    """Evaluate ``script`` with ``root`` bound to the popover element's shadow root."""
    return page.evaluate(
        f"() => {{ const root = document.querySelector('{POPOVER}').shadowRoot; return {script}; }}"
    )


def active(page: Any) -> dict[str, str | None]:
    """What has the keyboard focus inside the element."""
    return shadow(
        page,
        "(e => e && {id: e.id || null, row: e.dataset.id || null,"
        " action: e.dataset.action || null})(root.activeElement)",
    )


def wait_connected(page: Any) -> None:
    page.wait_for_selector(f'{POPOVER} #status[data-connected="true"]', state="attached")


def wait_unread(page: Any, count: int) -> None:
    page.wait_for_function(
        "([sel, n]) => document.querySelector(sel).getAttribute('unread') === String(n)",
        arg=[POPOVER, count],
    )


def unread_count(demo: Demo, username: str) -> int:
    with demo.client(username) as client:
        return int(client.get("/api/notifications/unread-count").json()["unread"])


def open_settings(context: Any, demo: Demo) -> Any:
    page = new_page(context)
    page.goto(demo.url + "/settings/")
    wait_connected(page)
    return page


def test_bell_opens_the_panel_and_the_keyboard_drives_it(demo: Demo, logged_in: Callable[..., Any]):
    titles = [unique(f"Keyboard {number}") for number in range(3)]
    for title in titles:
        demo.send("ann", "bob", title)
    page = open_settings(logged_in("bob"), demo)
    wait_unread(page, unread_count(demo, "bob"))
    bell = page.locator(f"{POPOVER} #bell")
    assert bell.get_attribute("aria-expanded") == "false"
    assert page.locator(f"{POPOVER} #panel").is_hidden()

    bell.focus()
    page.keyboard.press("Enter")
    page.locator(f"{POPOVER} #panel").wait_for()
    assert bell.get_attribute("aria-expanded") == "true"
    rows = shadow(page, "[...root.querySelectorAll('li.notification')].map(li => li.dataset.id)")
    assert rows[:3] == [
        page.locator(f"{POPOVER} li.notification", has_text=title).get_attribute("data-id")
        for title in reversed(titles)
    ]
    assert active(page)["row"] == rows[0]
    page.keyboard.press("ArrowDown")
    assert active(page)["row"] == rows[1]
    page.keyboard.press("End")
    assert active(page)["row"] == rows[-1]
    page.keyboard.press("Home")
    assert active(page)["row"] == rows[0]
    page.keyboard.press("ArrowUp")
    assert active(page)["row"] == rows[0]
    # The archive tab shows because the server offers archiving.
    assert page.locator(f"{POPOVER} .tabs").is_visible()

    # Tab reaches the row's first action; Enter marks it read, focus stays on the toggle.
    before = unread_count(demo, "bob")
    page.keyboard.press("Tab")
    assert active(page) == {"id": None, "row": rows[0], "action": "read"}
    page.keyboard.press("Enter")
    wait_unread(page, before - 1)
    page.wait_for_selector(f'{POPOVER} li.notification.read[data-id="{rows[0]}"]')
    assert active(page) == {"id": None, "row": rows[0], "action": "unread"}

    page.keyboard.press("Escape")
    assert page.locator(f"{POPOVER} #panel").is_hidden()
    assert bell.get_attribute("aria-expanded") == "false"
    assert active(page)["id"] == "bell"
    assert page.errors == []


def test_live_update_in_the_open_panel_is_announced(demo: Demo, logged_in: Callable[..., Any]):
    page = open_settings(logged_in("ann"), demo)
    before = unread_count(demo, "ann")
    wait_unread(page, before)
    page.locator(f"{POPOVER} #bell").click()
    # Opening the panel marks everything seen: let that commit before the send, or it
    # can mark the new one seen too (and re-render it) on a fast machine.
    page.wait_for_function("() => window.notificationsClient.unseen === 0")
    title = unique("Arrives while the panel is open")

    demo.send("bob", "ann", title, message="line one\nline two")

    row = page.locator(f"{POPOVER} li.notification", has_text=title)
    row.wait_for()
    assert row.get_attribute("class") == "notification unread unseen arrived"
    assert "from bob" in row.inner_text()
    wait_unread(page, before + 1)
    assert page.text_content(f"{POPOVER} #announce") == f"New notification: {title}"
    assert page.get_attribute(f"{POPOVER} #announce", "aria-live") == "polite"
    label = page.get_attribute(f"{POPOVER} #bell", "aria-label")
    assert label.startswith(f"Notifications, {before + 1} unread, "), label
    # Newlines are kept (white-space: pre-line).
    assert row.locator(".message").inner_text() == "line one\nline two"

    page.mouse.click(5, 700)  # a click outside closes the panel
    assert page.locator(f"{POPOVER} #panel").is_hidden()


def test_two_tabs_share_one_socket_and_the_next_tab_takes_over(
    demo: Demo, logged_in: Callable[..., Any]
):
    context = logged_in("ann")
    sockets: dict[str, list[Any]] = {"first": [], "second": []}
    first = new_page(context)
    first.on("websocket", lambda ws: sockets["first"].append(ws))
    first.goto(demo.url + "/settings/")
    wait_connected(first)
    second = new_page(context)
    second.on("websocket", lambda ws: sockets["second"].append(ws))
    second.goto(demo.url + "/settings/")
    wait_connected(second)

    assert [len(sockets["first"]), len(sockets["second"])] == [1, 0]
    assert first.evaluate("notificationsClient.isLeader") is True
    assert second.evaluate("notificationsClient.isLeader") is False

    count = unread_count(demo, "ann")
    title = unique("Relayed by the leader tab")
    demo.send("bob", "ann", title)
    for page in (first, second):
        wait_unread(page, count + 1)
        page.locator(f"{POPOVER} #bell").click()
        page.locator(f"{POPOVER} li.notification", has_text=title).wait_for()

    # Marking read in the follower reaches the leader through the server's frame.
    second.get_by_role("button", name=f"Mark read: {title}").click()
    first.wait_for_selector(f'{POPOVER} li.notification.read:has-text("{title}")')
    wait_unread(first, count)

    # The leader's tab closes: the other tab takes the lock and opens the socket.
    first.close()
    second.wait_for_function("() => notificationsClient.isLeader === true")
    wait_connected(second)
    assert len(sockets["second"]) == 1
    after = unique("After the handover")
    demo.send("bob", "ann", after)
    second.locator(f"{POPOVER} li.notification", has_text=after).wait_for()
    wait_unread(second, count + 1)
    assert second.errors == []


def test_shared_socket_is_not_shared_after_logging_in_as_someone_else(
    demo: Demo, logged_in: Callable[..., Any]
):
    """Tabs share a socket only while they share the session (Django rotates the CSRF cookie)."""
    context = logged_in("ann")
    ann_page = open_settings(context, demo)
    with demo.client("bob") as bob:
        context.add_cookies(
            [{"name": name, "value": value, "url": demo.url} for name, value in bob.cookies.items()]
        )
    bob_sockets: list[Any] = []
    bob_page = new_page(context)
    bob_page.on("websocket", lambda ws: bob_sockets.append(ws))
    bob_page.goto(demo.url + "/settings/")
    wait_connected(bob_page)
    assert len(bob_sockets) == 1
    for_ann = unique("Only for Ann")
    demo.send("admin", "ann", for_ann)
    ann_page.locator(f"{POPOVER} #bell").click()
    ann_page.locator(f"{POPOVER} li.notification", has_text=for_ann).wait_for()
    for_bob = unique("Only for Bob")
    demo.send("admin", "bob", for_bob)
    bob_page.locator(f"{POPOVER} #bell").click()
    bob_page.locator(f"{POPOVER} li.notification", has_text=for_bob).wait_for()
    assert bob_page.locator(f"{POPOVER} li.notification", has_text=for_ann).count() == 0


# ---------------------------------------------------------------- states the API adds


def fake_row(notification_id: int, title: str, **extra: Any) -> dict[str, Any]:
    row = {
        "id": notification_id,
        "user": 1,
        "readed": None,
        "event": {
            "id": notification_id,
            "timestamp": "2026-11-24T10:00:00Z",
            "author": None,
            "type": {"id": 3, "name": "mention", "title": "Mentions", "description": None},
            "title": title,
            "message": None,
            "data": None,
            "target": None,
            "expires": None,
            "url": None,
        },
        "seen": "2026-11-24T10:05:00Z",
        "archived": None,
        "group": None,
        "count": 1,
        "authors": [],
    }
    row.update(extra)
    return row


class InboxApi:
    """The inbox-states REST API (docs/api.md), played by the test through page.route."""

    def __init__(self) -> None:
        self.rows = [
            fake_row(
                30,
                "Your post got likes",
                seen=None,
                group="post:7:likes",
                count=4,
                authors=[{"id": 9, "name": "ann"}, {"id": 8, "name": "cy"}],
            ),
            fake_row(20, "Bob commented", authors=[{"id": 2, "name": "bob"}]),
            fake_row(10, "Older one", readed="2026-11-24T11:00:00Z"),
        ]
        self.archived = [fake_row(5, "Archived long ago", archived="2026-11-20T00:00:00Z")]
        self.calls: list[str] = []

    def __call__(self, route: Any) -> None:
        request = route.request
        path = request.url.split("/api/notifications/", 1)[1]
        self.calls.append(f"{request.method} {path}")
        unread = sum(1 for row in self.rows if not row["readed"])
        unseen = sum(1 for row in self.rows if not row["seen"])
        if path == "unread-count":
            body: Any = {"unread": unread, "unseen": unseen}
        elif path == "seen-all":
            for row in self.rows:
                row["seen"] = "2026-11-24T12:00:00Z"
            body = {"updated": unseen, "unseen": 0}
        elif path.endswith("/archive"):
            row = next(r for r in self.rows if r["id"] == int(path.split("/")[0]))
            self.rows.remove(row)
            body = {**row, "archived": "2026-11-24T12:00:00Z"}
        elif path.startswith("?archived=true"):
            body = {"count": 1, "next": None, "previous": None, "results": self.archived}
        elif path.startswith("?"):
            body = {"count": len(self.rows), "next": None, "previous": None, "results": self.rows}
        else:
            route.fulfill(status=404, json={"detail": "Not found."})
            return
        route.fulfill(status=200, json=body)


def test_element_shows_unseen_grouped_and_archive_states_when_the_api_offers_them(
    demo: Demo, logged_in: Callable[..., Any]
):
    api = InboxApi()
    sockets: list[Any] = []
    page = new_page(logged_in("bob"))
    page.route("**/api/notifications/**", api)
    page.route_web_socket("**/ws/notifications", lambda ws: sockets.append(ws))
    page.goto(demo.url + "/settings/")
    wait_connected(page)
    bell = page.locator(f"{POPOVER} #bell")
    page.wait_for_function(
        "sel => document.querySelector(sel).getAttribute('unseen') === '1'", arg=POPOVER
    )
    # The badge counts what is new since the bell was last opened; the label says both.
    assert page.locator(f"{POPOVER} #badge").inner_text() == "1"
    assert bell.get_attribute("aria-label") == "Notifications, 2 unread, 1 new"

    bell.click()
    page.wait_for_function(
        "sel => document.querySelector(sel).getAttribute('unseen') === '0'", arg=POPOVER
    )
    assert "POST seen-all" in api.calls
    assert page.locator(f"{POPOVER} #badge").is_hidden()
    grouped = page.locator(f'{POPOVER} li.notification[data-id="30"]')
    assert "ann and 3 others" in grouped.inner_text()
    assert "from bob" in page.locator(f'{POPOVER} li.notification[data-id="20"]').inner_text()

    # A grouped send folded into row 10 moves it to the top.
    sockets[-1].send(
        json.dumps(
            {
                "action": "updated",
                "notification": fake_row(
                    10, "Older one, now grouped", count=2, authors=[{"id": 2, "name": "bob"}]
                ),
                "unread": 2,
                "unseen": 0,
            }
        )
    )
    page.locator(f"{POPOVER} li.notification", has_text="now grouped").wait_for()
    order = shadow(page, "[...root.querySelectorAll('li.notification')].map(li => li.dataset.id)")
    assert order == ["10", "30", "20"]
    assert "bob and 1 other" in page.locator(f'{POPOVER} li[data-id="10"]').inner_text()

    page.get_by_role("button", name="Archive: Bob commented").click()
    page.locator(f'{POPOVER} li.notification[data-id="20"]').wait_for(state="detached")
    assert "POST 20/archive" in api.calls

    tabs = page.locator(f"{POPOVER} .tabs")
    assert tabs.is_visible()
    page.get_by_role("tab", name="Archive").click()
    page.locator(f"{POPOVER} li.notification", has_text="Archived long ago").wait_for()
    assert page.get_by_role("button", name="Restore: Archived long ago").is_visible()
    assert page.errors == []


def test_strings_theme_and_reduced_motion(demo: Demo, logged_in: Callable[..., Any]):
    dark = new_page(logged_in("ann", color_scheme="dark", reduced_motion="reduce"))
    dark.goto(demo.url + "/settings/")
    wait_connected(dark)
    strings = {"title": "Benachrichtigungen", "markAllRead": "Alle gelesen", "bell": "Glocke"}
    dark.evaluate(
        "([sel, s]) => document.querySelector(sel).setAttribute('strings', JSON.stringify(s))",
        [POPOVER, strings],
    )
    dark.locator(f"{POPOVER} #bell").click()
    assert dark.locator(f"{POPOVER} #heading").inner_text() == "Benachrichtigungen"
    assert dark.get_by_role("button", name="Alle gelesen").is_visible()
    panel = f"{POPOVER} #panel"

    def style(page: Any, prop: str) -> str:
        return page.locator(panel).evaluate(f"el => getComputedStyle(el).{prop}")

    assert style(dark, "animationName") == "none"  # prefers-reduced-motion: reduce
    dark_text = style(dark, "color")
    # theme="light" overrides the system's dark scheme; the demo's page palette is
    # not in play for --notifications-text here (set per element).
    dark.evaluate(
        "sel => { const e = document.querySelector(sel); e.style.cssText = ''; "
        "e.setAttribute('theme', 'light'); e.removeAttribute('class'); }",
        POPOVER,
    )
    light = new_page(logged_in("ann", color_scheme="light", reduced_motion="no-preference"))
    light.goto(demo.url + "/settings/")
    wait_connected(light)
    light.locator(f"{POPOVER} #bell").click()
    assert style(light, "animationName") == "notifications-open"
    assert style(light, "color") != dark_text
