"""The demo's own pages and endpoints: offline API docs, /api/, favicon, the send form's rules."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import Demo, new_page, wait_live
from tests.servers import EXAMPLE

# 180 s: the first test also pays for the package's demo server (migrate, seed, start),
# which takes over a minute on a loaded 2-core machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

LOCAL = {"127.0.0.1", "localhost", "[::1]", "::1"}


def test_api_docs_render_with_no_request_leaving_localhost(
    demo: Demo, logged_in: Callable[..., Any]
):
    outside: list[str] = []

    def guard(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOCAL:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context = logged_in(None)
    context.route("**/*", guard)
    page = new_page(context)
    page.goto(demo.url + "/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "django-rest-notifications demo" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert outside == []
    assert page.errors == []


def test_api_index_links_the_docs_and_the_browsable_api(demo: Demo, logged_in: Callable[..., Any]):
    page = new_page(logged_in("ann"))
    page.goto(demo.url + "/api/")
    page.get_by_role("link", name="API docs").click()
    page.locator(".swagger-ui .info .title").wait_for()
    page.go_back()
    page.get_by_role("link", name="Browsable API: your notifications").click()
    assert page.url == demo.url + "/api/notifications/"
    assert page.get_by_role("heading", name="Notifications List").is_visible()


def test_favicon_is_served(demo: Demo):
    with demo.client("ann") as client:
        response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.text.startswith("<svg")


def test_seed_demo_prints_the_port_it_is_served_on(demo: Demo):
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=EXAMPLE,
        env={**demo.env, "PORT": "8123"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "Open http://127.0.0.1:8123/ and log in." in result.stdout


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"audience": "everyone", "title": "to all"}, 403, "audience"),
        ({"audience": [1, 2], "title": "to some"}, 403, "audience"),
        ({"audience": "me", "title": "as admin", "author": 1}, 403, "author"),
        ({"audience": "us", "title": "?"}, 400, "audience"),
        ({"audience": "me", "title": ["not", "text"]}, 400, "title"),
        ({"audience": "me", "type": "no_such_type", "title": "t"}, 400, "detail"),
        ({"audience": "me", "title": "x" * 300}, 400, "detail"),
    ],
)
def test_send_form_refuses_with_a_json_4xx_naming_the_problem(
    demo: Demo, body: dict[str, Any], status: int, field: str
):
    with demo.client("bob") as client:
        before = client.get("/api/notifications/?limit=1").json()["count"]
        response = client.post("/demo/send", json=body)
        after = client.get("/api/notifications/?limit=1").json()["count"]
    assert response.status_code == status
    assert list(response.json()) == [field]
    assert after == before


def test_send_form_refuses_deep_json_with_a_400(demo: Demo):
    with demo.client("bob") as client:
        response = client.post(
            "/demo/send",
            content=b"[" * 100_000 + b"]" * 100_000,
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 400
    assert response.json() == {"detail": "Body is not JSON."}
    assert "Traceback" not in demo.server.log()


def test_everyone_is_for_staff(demo: Demo, logged_in: Callable[..., Any]):
    with demo.client("admin") as client:
        response = client.post("/demo/send", json={"audience": "everyone", "title": "For all"})
    assert response.status_code == 200
    assert response.json()["notifications_count"] == 3  # ann, bob, admin
    bob = new_page(logged_in("bob"))
    bob.goto(demo.url + "/")
    wait_live(bob)
    assert bob.get_by_role("radio", name="Everyone").count() == 0
    admin = new_page(logged_in("admin"))
    admin.goto(demo.url + "/")
    assert admin.get_by_role("radio", name="Everyone").count() == 1


def test_a_failed_action_while_the_server_is_down_says_so_inside_the_viewport(
    demo: Demo, open_inbox: Any
):
    page = open_inbox("ann")
    title = "Try me while the server is down"
    demo.send("bob", "ann", title)
    page.locator("li.notification", has_text=title).wait_for()
    page.set_viewport_size({"width": 375, "height": 640})

    def while_down() -> None:
        page.wait_for_selector('#inbox #status[data-connected="false"]', state="attached")
        page.get_by_role("button", name=f"Mark read: {title}").click()
        error = page.locator("#inbox #error")
        error.wait_for()
        assert error.inner_text() == (
            "Could not reach the server. Check your connection and try again."
        )
        box = error.bounding_box()
        assert box is not None
        assert box["y"] >= 0
        assert box["y"] + box["height"] <= 640
        assert page.locator("#inbox #error").get_attribute("role") == "alert"

    demo.restart(while_down)
    # Back up (after the backoff): the next action works and the message is gone.
    page.wait_for_selector('#inbox #status[data-connected="true"]', timeout=30_000)
    page.get_by_role("button", name=f"Mark read: {title}").click()
    page.locator("li.notification.read", has_text=title).wait_for()
    assert page.locator("#inbox #error").is_hidden()
