"""The demo and the element at phone and tablet widths, and their accessibility (axe-core)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Demo, new_page, wait_live

# 180 s: the first test also pays for the package's demo server (migrate, seed, start),
# which takes over a minute on a loaded 2-core machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
MISSING_AXE = "axe-core is not installed: run `npm ci --prefix tests/js` (make test does)."
WIDTHS = [320, 375, 768]
LONG_WORD = "x" * 400


def axe_source() -> str:
    if AXE.exists():
        return AXE.read_text()
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(MISSING_AXE, pytrace=False)
    pytest.skip(MISSING_AXE)


def overflow(page: Any) -> int:
    """How far the page is wider than its viewport (0: no horizontal scrolling)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, open shadow roots included."""
    page.add_script_tag(content=axe_source())
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(str(node["target"]) for node in violation["nodes"])
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.fixture(scope="module")
def long_content(demo: Demo) -> str:
    """A notification with long words (400 characters in the message) and newlines."""
    title = f"Long {uuid.uuid4().hex[:6]} {LONG_WORD[:200]}"
    demo.send("bob", "ann", title, message=f"First line\nSecond line {LONG_WORD}")
    return title


def open_page(demo: Demo, context: Any, path: str) -> Any:
    page = new_page(context)
    page.goto(demo.url + path)
    if path == "/":
        wait_live(page)
    elif path == "/settings/":
        page.wait_for_selector(
            'notifications-inbox #status[data-connected="true"]', state="attached"
        )
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_no_horizontal_overflow(
    demo: Demo, logged_in: Callable[..., Any], long_content: str, width: int
):
    context = logged_in("ann", viewport={"width": width, "height": 740})
    inbox = open_page(demo, context, "/")
    row = inbox.locator("li.notification", has_text=long_content[:20])
    row.wait_for()
    assert overflow(inbox) == 0
    # Header links all on screen, "Log out" included.
    logout = inbox.get_by_role("button", name="Log out").bounding_box()
    assert logout is not None
    assert logout["x"] + logout["width"] <= width
    # Long words wrap inside their card; newlines are kept.
    box = row.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= width
    assert row.locator(".message").inner_text().startswith("First line\nSecond line")

    settings = open_page(demo, context, "/settings/")
    settings.locator("notifications-inbox #bell").click()
    panel = settings.locator("notifications-inbox #panel")
    panel.wait_for()
    assert overflow(settings) == 0
    panel_box = panel.bounding_box()
    assert panel_box is not None
    assert panel_box["x"] >= 0
    assert panel_box["x"] + panel_box["width"] <= width

    for path in ("/api/", "/accounts/login/"):
        assert overflow(open_page(demo, context, path)) == 0, path
    anonymous = new_page(logged_in(None, viewport={"width": width, "height": 740}))
    anonymous.goto(demo.url + "/accounts/login/")
    assert overflow(anonymous) == 0


@pytest.mark.parametrize("width", [375, 1100])
def test_no_serious_accessibility_violations(
    demo: Demo, logged_in: Callable[..., Any], long_content: str, width: int
):
    axe_source()  # skip or fail before opening pages
    context = logged_in("ann", viewport={"width": width, "height": 740})
    found: dict[str, list[str]] = {}
    inbox = open_page(demo, context, "/")
    found["inbox"] = serious_violations(inbox)
    settings = open_page(demo, context, "/settings/")
    settings.locator("notifications-inbox #bell").click()
    settings.locator("notifications-inbox #panel").wait_for()
    found["settings, panel open"] = serious_violations(settings)
    found["api index"] = serious_violations(open_page(demo, context, "/api/"))
    login = new_page(logged_in(None, viewport={"width": width, "height": 740}))
    login.goto(demo.url + "/accounts/login/")
    found["login"] = serious_violations(login)
    assert found == {name: [] for name in found}


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_no_serious_accessibility_violations_in_both_colour_schemes(
    demo: Demo, logged_in: Callable[..., Any], scheme: str
):
    axe_source()
    demo.send("bob", "ann", f"Badge showing {uuid.uuid4().hex[:6]}")  # the badge is checked too
    context = logged_in("ann", color_scheme=scheme)
    settings = open_page(demo, context, "/settings/")
    settings.locator("notifications-inbox #bell").click()
    settings.locator("notifications-inbox #panel").wait_for()
    assert serious_violations(settings) == []
