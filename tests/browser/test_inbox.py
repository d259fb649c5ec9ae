"""The demo inbox in Debian's Chromium: live delivery, sync between tabs, isolation, catch-up."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Demo, wait_live

# 180 s: the first test also pays for the package's demo server (migrate, seed, start),
# which takes over a minute on a loaded 2-core machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:6]}"


def item(page: Any, title: str) -> Any:
    return page.locator("li.notification", has_text=title)


def badge(page: Any) -> int:
    """The bell's unread count, read from its accessible label."""
    label = page.get_attribute("#bell", "aria-label")
    return 0 if label.endswith("no unread") else int(label.split(", ")[1].split()[0])


def wait_badge(page: Any, count: int) -> None:
    """Wait until the page's bell element reflects ``count`` unread."""
    page.wait_for_function(
        "count => document.querySelector('notifications-bell, notifications-inbox:not([inline])')"
        ".getAttribute('unread') === String(count)",
        arg=count,
    )


def unread_count(demo: Demo, username: str) -> int:
    with demo.client(username) as client:
        return int(client.get("/api/notifications/unread-count").json()["unread"])


def test_anonymous_visitor_is_sent_to_login_and_can_log_in_and_out(demo: Demo, browser: Any):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(demo.url + "/")
        assert "/accounts/login/" in page.url
        page.get_by_label("Username").fill("bob")
        page.get_by_label("Password").fill("demo")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(demo.url + "/")
        wait_live(page)
        assert page.get_by_role("heading", name="Notifications").is_visible()
        assert badge(page) == unread_count(demo, "bob")
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/accounts/login/")
        page.goto(demo.url + "/")
        assert "/accounts/login/" in page.url
    finally:
        context.close()


def test_sent_notification_appears_live_and_badge_increments(demo: Demo, open_inbox: Any):
    page = open_inbox("ann")
    before = badge(page)
    assert before == unread_count(demo, "ann")
    page.evaluate("window.__sameDocument = true")
    title = unique("Bob liked your post")

    demo.send("bob", "ann", title, type="post_like", message="The one about Channels")

    row = item(page, title)
    row.wait_for()
    assert "unread" in row.get_attribute("class")
    assert "The one about Channels" in row.inner_text()
    assert "from bob" in row.inner_text()
    wait_badge(page, before + 1)
    # The demo's server has the inbox states: the label also names the unseen ones.
    label = page.get_attribute("#bell", "aria-label")
    assert label.startswith(f"Notifications, {before + 1} unread, "), label
    assert label.endswith(" new"), label
    assert page.text_content("#announce") == f"New notification: {title}"
    # Newest first, and no reload happened.
    assert page.locator("li.notification .title").first.inner_text() == title
    assert page.evaluate("window.__sameDocument") is True
    assert page.errors == []


def test_marking_read_in_one_page_updates_the_other_live(demo: Demo, open_inbox: Any):
    first, second = open_inbox("ann"), open_inbox("ann")
    title = unique("Read me on one device")
    demo.send("bob", "ann", title)
    item(first, title).wait_for()
    item(second, title).wait_for()
    count = unread_count(demo, "ann")
    wait_badge(second, count)

    first.get_by_role("button", name=f"Mark read: {title}").click()

    second.wait_for_selector(f'li.notification.read:has-text("{title}")')
    wait_badge(second, count - 1)
    wait_badge(first, count - 1)
    assert unread_count(demo, "ann") == count - 1
    # And back: mark unread in the second page, the first follows.
    second.get_by_role("button", name=f"Mark unread: {title}").click()
    first.wait_for_selector(f'li.notification.unread:has-text("{title}")')
    wait_badge(first, count)


def test_another_users_page_never_shows_it(demo: Demo, open_inbox: Any):
    ann_page, bob_page = open_inbox("ann"), open_inbox("bob")
    bob_badge = badge(bob_page)
    for_ann, for_bob = unique("Only for Ann"), unique("Only for Bob")

    demo.send("admin", "ann", for_ann)
    item(ann_page, for_ann).wait_for()
    # Bob's page is live: once his own later notification is shown, Ann's had its chance.
    demo.send("admin", "bob", for_bob)
    item(bob_page, for_bob).wait_for()

    assert item(bob_page, for_ann).count() == 0
    wait_badge(bob_page, bob_badge + 1)
    bob_page.reload()
    wait_live(bob_page)
    assert item(bob_page, for_ann).count() == 0


def test_reconnect_catches_up_on_what_happened_while_the_socket_was_down(
    demo: Demo, open_inbox: Any
):
    page = open_inbox("ann")
    read_while_down = unique("Will be read elsewhere")
    demo.send("bob", "ann", read_while_down)
    item(page, read_while_down).wait_for()
    row_id = int(item(page, read_while_down).get_attribute("data-id"))
    sent_while_down = unique("Sent while you were away")
    # The server goes away (the socket is really cut); meanwhile another process
    # writes a notification and marks one read: no socket hears either.
    code = (
        "from django.contrib.auth import get_user_model\n"
        "from notifications import services\n"
        "from notifications.helpers import send_notification\n"
        "User = get_user_model()\n"
        "ann, bob = User.objects.get(username='ann'), User.objects.get(username='bob')\n"
        f"send_notification('mention', {sent_while_down!r}, None, [ann], author=bob)\n"
        f"services.mark_read(ann, [{row_id}])\n"
    )

    def while_down() -> None:
        page.wait_for_selector('#status[data-connected="false"]')
        demo.manage_shell(code)
        assert item(page, sent_while_down).count() == 0

    demo.restart(while_down)

    item(page, sent_while_down).wait_for(timeout=30_000)
    page.wait_for_selector('#status[data-connected="true"]')
    page.wait_for_selector(f'li.notification.read:has-text("{read_while_down}")')
    wait_badge(page, unread_count(demo, "ann"))
    assert "unread" in item(page, sent_while_down).get_attribute("class")
    # Live again after the catch-up.
    after = unique("Back online")
    demo.send("bob", "ann", after)
    item(page, after).wait_for()
    titles = page.locator("li.notification .title").all_inner_texts()
    assert titles.index(after) < titles.index(sent_while_down) < titles.index(read_while_down)


def test_filter_page_excludes_a_type(demo: Demo, open_inbox: Any):
    settings_page = open_inbox("ann", "/settings/")
    likes = settings_page.locator("#types").get_by_label("Post liking")
    likes.wait_for()
    assert likes.is_checked()
    likes.uncheck()  # saved as you click, like the channels table
    settings_page.get_by_text("Saved: you receive 2 types.").wait_for()
    try:
        with demo.client("ann") as client:
            assert client.get("/api/notifications/filter").json() == {
                "event_types": ["post_comment", "mention"]
            }
        page = open_inbox("ann")
        excluded, allowed = unique("A like you opted out of"), unique("A mention you want")
        demo.send("bob", "ann", excluded, type="post_like")
        demo.send("bob", "ann", allowed, type="mention")
        item(page, allowed).wait_for()
        assert item(page, excluded).count() == 0
        settings_page.reload()
        settings_page.locator("#types").get_by_label("Mentions").wait_for()
        assert not settings_page.locator("#types").get_by_label("Post liking").is_checked()
        assert settings_page.locator("#types").get_by_label("Mentions").is_checked()
    finally:
        with demo.client("ann") as client:
            body = {"event_types": ["post_like", "post_comment", "mention"]}
            assert client.patch("/api/notifications/filter", json=body).status_code == 200


def test_channel_preferences_turn_email_on_for_one_type(demo: Demo, open_inbox: Any):
    settings_page = open_inbox("ann", "/settings/")
    comment_email = settings_page.get_by_label("Post commenting: Email")
    comment_email.wait_for()
    assert not comment_email.is_checked()  # offered, off by default (the demo's EVENTS)
    assert settings_page.get_by_label("Mentions: Email").is_checked()
    try:
        comment_email.check()
        settings_page.get_by_text("Saved: Email for Post commenting is on.").wait_for()
        with demo.client("ann") as client:
            types = client.get("/api/notifications/preferences").json()["types"]
        assert {t["name"]: t["channels"] for t in types}["post_comment"] == {
            "in_app": True,
            "email": True,
        }
        title = unique("A comment worth an email")
        demo.send("bob", "ann", title, type="post_comment")
        # The immediate task backend sends it after commit; the console backend prints it.
        deadline = time.monotonic() + 10
        while title not in demo.server.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        log = demo.server.log()
        assert title in log
        assert "To: ann@demo.example" in log
    finally:
        with demo.client("ann") as client:
            body = {"types": {"post_comment": {"email": False}}}
            assert client.patch("/api/notifications/preferences", json=body).status_code == 200


def test_send_form_delete_mark_all_read_and_screenshot(demo: Demo, open_inbox: Any):
    page = open_inbox("admin")
    demo.send("bob", "admin", "Bob liked your post", type="post_like")
    demo.send(
        "ann",
        "admin",
        "Ann commented on your post",
        type="post_comment",
        message="Looks great, shipping it today.",
    )
    demo.send("bob", "admin", "Bob mentioned you in #releases", message="@admin can you review?")
    item(page, "Bob mentioned you").wait_for()
    page.get_by_role("button", name="Mark read: Bob liked your post").click()
    page.wait_for_selector('li.notification.read:has-text("Bob liked your post")')

    # The page's own form: a notification to "me" comes back through the socket.
    page.get_by_label("Type", exact=True).select_option("mention")
    page.get_by_label("Title", exact=True).fill("Deploy finished")
    page.get_by_label("Message (optional)").fill("Version 1.0 is live.")
    page.get_by_role("radio", name="Me", exact=True).check()
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Sent: 1 notification created.").wait_for()
    item(page, "Deploy finished").wait_for()
    wait_badge(page, unread_count(demo, "admin"))

    # For a look at a failed run (the README's screenshots come from scripts/screenshot.py).
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inbox.png"))

    doomed = unique("Delete me")
    demo.send("bob", "admin", doomed)
    item(page, doomed).wait_for()
    page.get_by_role("button", name=f"Delete: {doomed}").click()
    item(page, doomed).wait_for(state="detached")
    page.get_by_role("button", name="Mark all read").click()
    wait_badge(page, 0)
    assert page.locator("li.notification.unread").count() == 0
    # The element renders its badge after it sets the attribute: wait for the render.
    page.wait_for_selector("#badge", state="hidden")
    assert unread_count(demo, "admin") == 0
    page.reload()
    wait_live(page)
    assert item(page, doomed).count() == 0
    assert page.locator("li.notification.unread").count() == 0


def test_load_more_pages_through_older_notifications(demo: Demo, open_inbox: Any):
    with demo.client("admin") as client:
        for number in range(22):
            body = {"type": "mention", "title": f"Bulk {number:02d}", "audience": "me"}
            assert client.post("/demo/send", json=body).status_code == 200
        total = client.get("/api/notifications/?limit=1").json()["count"]
    page = open_inbox("admin")
    assert page.locator("li.notification").count() == 20
    more = page.get_by_role("button", name="Load more")
    more.click()
    page.wait_for_function(
        "n => document.getElementById('inbox').shadowRoot"
        ".querySelectorAll('li.notification').length === n",
        arg=min(total, 40),
    )
    ids = [
        int(i)
        for i in page.locator("li.notification").evaluate_all(
            "rows => rows.map(row => row.dataset.id)"
        )
    ]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == len(ids)
