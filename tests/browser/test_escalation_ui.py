"""Snooze from <notifications-inbox> and quiet hours on the demo's settings page, in Chromium."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import Demo, new_page

# 180 s: the first test also pays for the package's demo server (migrate, seed, start).
pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

POPOVER = "notifications-inbox:not([inline])"


def titles(demo: Demo, username: str) -> list[str]:
    with demo.client(username) as client:
        page = client.get("/api/notifications/?limit=100").json()["results"]
    return [row["event"]["title"] for row in page]


def test_snooze_hides_the_row_and_the_server_agrees(demo: Demo, logged_in: Callable[..., Any]):
    title = f"Snooze me {uuid.uuid4().hex[:6]}"
    demo.send("bob", "ann", title)
    page = new_page(logged_in("ann"))
    page.goto(demo.url + "/settings/")
    page.locator(f"{POPOVER} #bell").click()
    row = page.locator(f"{POPOVER} li.notification", has_text=title)
    row.wait_for()

    page.get_by_role("button", name=f"Snooze 1 h: {title}").click()

    row.wait_for(state="detached")
    assert title not in titles(demo, "ann")
    assert page.errors == []


def test_quiet_hours_are_set_from_the_settings_page(demo: Demo, logged_in: Callable[..., Any]):
    page = new_page(logged_in("bob"))
    page.goto(demo.url + "/settings/")
    page.wait_for_selector('#quiet-form[aria-busy="false"]')
    page.get_by_label("Hold email and push during quiet hours").check()
    page.get_by_label("From").fill("21:30")
    page.get_by_label("to", exact=True).fill("06:45")
    page.get_by_label("Time zone").fill("Europe/Paris")
    page.get_by_role("button", name="Save quiet hours").click()
    page.get_by_text("Saved: quiet from 21:30 to 06:45 (Europe/Paris).").wait_for()
    with demo.client("bob") as client:
        saved = client.get("/api/notifications/quiet-hours").json()
    assert saved == {"enabled": True, "time_zone": "Europe/Paris", "start": "21:30", "end": "06:45"}

    page.get_by_label("Time zone").fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Save quiet hours").click()
    page.get_by_text("Not saved", exact=False).wait_for()
    assert page.errors == []
