"""The demo post: follow it, comment to its followers, "Mute this thread" in the inbox."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.browser.conftest import Demo

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def comment(demo: Demo, sender: str, title: str) -> int:
    """A comment on the demo post, to its followers but the sender."""
    with demo.client(sender) as client:
        response = client.post(
            "/demo/send", json={"type": "post_comment", "title": title, "audience": "followers"}
        )
    assert response.status_code == 200, response.text
    return int(response.json()["notifications_count"])


def test_follow_the_post_then_mute_the_thread_from_a_row(demo: Demo, open_inbox: Any):
    page = open_inbox("bob")
    state = page.locator("#post-state")
    state.filter(has_text="this post").wait_for()
    if "You follow" not in state.inner_text():
        page.get_by_role("button", name="Follow").click()
    state.filter(has_text="You follow this post.").wait_for()

    first = f"Ann commented {uuid.uuid4().hex[:6]}"
    assert comment(demo, "ann", first) >= 1
    row = page.locator("li.notification", has_text=first)
    row.wait_for()
    page.reload()
    mute = page.get_by_role("button", name=f"Mute this thread: {first}")
    mute.click()
    page.get_by_role("button", name=f"Unmute thread: {first}").wait_for()
    state.filter(has_text="Muted").wait_for()

    second = f"Ann commented again {uuid.uuid4().hex[:6]}"
    comment(demo, "ann", second)
    with demo.client("bob") as client:
        titles = [r["event"]["title"] for r in client.get("/api/notifications/").json()["results"]]
    assert first in titles
    assert second not in titles

    page.get_by_role("button", name="Unmute", exact=True).click()
    page.wait_for_function(
        "() => !document.getElementById('post-state').textContent.includes('Muted')"
    )
    assert state.inner_text() == "You follow this post."
    # The row's action follows the mute's state (the list is read again).
    page.reload()
    page.get_by_role("button", name=f"Mute this thread: {first}").wait_for()
    assert page.errors == []
