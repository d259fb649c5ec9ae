"""Regenerate the README's screenshots from a running demo (`make demo` first).

    .venv/bin/python scripts/screenshot.py [http://127.0.0.1:8000]

Logs in as admin (password demo), sends a few notifications through the demo's
send endpoint, and writes docs/inbox.png (the inbox page) and
docs/inbox-panel.png (the <notifications-inbox> panel at phone width), with
Debian's Chromium (never a Playwright browser download).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent.parent / "docs"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SENDS = [
    ("bob", "post_like", "Bob liked your post", None),
    ("ann", "post_comment", "Ann commented on your post", "Looks great,\nshipping it today."),
    ("bob", "mention", "Bob mentioned you in #releases", "@admin can you review?"),
]


def main(url: str) -> None:
    chromium = shutil.which("chromium")
    if not chromium:
        sys.exit("chromium is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 700}, color_scheme="light")
        page = context.new_page()
        page.goto(f"{url}/accounts/login/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill("demo")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{url}/")
        config = page.evaluate("JSON.parse(document.getElementById('demo-config').textContent)")
        ids = {name: int(pk) for pk, name in config["usernames"].items()}
        page.wait_for_selector('#inbox #status[data-connected="true"]', state="attached")
        csrf = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
        for author, kind, title, message in SENDS:
            body = {
                "type": kind,
                "title": title,
                "message": message,
                "audience": [ids["admin"]],
                "author": ids[author],
            }
            response = context.request.post(
                f"{url}/demo/send", data=body, headers={"X-CSRFToken": csrf, "Referer": f"{url}/"}
            )
            assert response.ok, response.text()
        page.locator("#inbox li.notification", has_text=SENDS[-1][2]).first.wait_for()
        page.get_by_role("button", name=f"Mark read: {SENDS[0][2]}").first.click()
        page.wait_for_timeout(600)  # the arrival highlight fades
        page.screenshot(path=str(DOCS / "inbox.png"))

        phone = browser.new_context(
            viewport={"width": 375, "height": 640},
            color_scheme="dark",
            storage_state=context.storage_state(),
        )
        panel = phone.new_page()
        panel.goto(f"{url}/settings/")
        panel.wait_for_selector(
            'notifications-inbox #status[data-connected="true"]', state="attached"
        )
        panel.locator("notifications-inbox #bell").click()
        panel.locator("notifications-inbox li.notification").first.wait_for()
        panel.wait_for_timeout(300)
        panel.screenshot(path=str(DOCS / "inbox-panel.png"))
        browser.close()
    print(f"wrote {DOCS / 'inbox.png'} and {DOCS / 'inbox-panel.png'}")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")
