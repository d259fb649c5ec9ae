"""Emails that lead somewhere: the notification's link, the inbox, the recipient's time zone,
a digest grouped by type; the mailer of Django 6.1 (MAILERS) or EMAIL_BACKEND before."""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

import django
import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import dateformat, timezone
from django.utils.formats import get_format

from notifications.helpers import send_notification

pytestmark = pytest.mark.usefixtures("channel_settings")


def user_time_zone(user: Any) -> str | None:
    """The time zone the tests store per user (NOTIFICATIONS["USER_TIME_ZONE"])."""
    return {"ann@example.com": "Europe/Paris", "bob@example.com": "Not/AZone"}.get(user.email)


def hrefs(message: Any) -> list[str]:
    html, _ = message.alternatives[0]
    return re.findall(r'href="([^"]+)"', html)


def test_an_email_links_to_the_notification_and_to_the_inbox(
    member: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "INBOX_URL": "/inbox/"}
    ann = member("ann")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="Linked", users=[ann], url="/posts/7")
        send_notification(type="post_like", title="Elsewhere", users=[ann], url="https://x.org/1")
        send_notification(type="post_like", title="Plain", users=[ann])

    linked, elsewhere, plain = sorted(
        mail.outbox, key=lambda m: ["Linked", "Elsewhere", "Plain"].index(m.subject)
    )
    assert hrefs(linked)[:2] == ["https://example.com/posts/7", "https://example.com/inbox/"]
    assert "https://example.com/posts/7" in linked.body
    assert "https://example.com/inbox/" in linked.body
    assert hrefs(elsewhere)[0] == "https://x.org/1"
    assert hrefs(plain)[:2] == ["https://example.com/inbox/", "https://example.com/inbox/"]


def test_times_are_in_the_recipients_time_zone_with_its_name(
    member: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "USER_TIME_ZONE": "tests.outbound.test_email_links.user_time_zone",
    }
    ann, bob, cy = member("ann"), member("bob"), member("cy")
    with django_capture_on_commit_callbacks(execute=True):
        event = send_notification(type="post_like", title="Timed", users=[ann, bob, cy])

    def shown(zone: str) -> str:
        local = timezone.localtime(event.timestamp, zoneinfo.ZoneInfo(zone))
        return f"{dateformat.format(local, get_format('DATETIME_FORMAT'))} {local.tzname()}"

    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert shown("Europe/Paris") in bodies["ann@example.com"]
    assert shown("Europe/Paris").endswith(("CET", "CEST"))
    assert shown("UTC") in bodies["bob@example.com"]  # not a time zone: TIME_ZONE
    assert shown("UTC") in bodies["cy@example.com"]  # None: TIME_ZONE
    html, _ = next(m for m in mail.outbox if m.to == ["ann@example.com"]).alternatives[0]
    assert shown("Europe/Paris") in html


def test_a_digest_groups_by_type_and_links_each_item(member: Any, settings: Any) -> None:
    settings.EVENTS = [
        {
            "name": "weekly",
            "title": "Weekly news",
            "channels": {"email": {"digest": {"after_minutes": 0, "every_hours": 0}}},
        },
        {
            "name": "mention",
            "title": "Mentions",
            "channels": {"email": {"digest": {"after_minutes": 0, "every_hours": 0}}},
        },
    ]
    from notifications.event_types import sync_event_types

    sync_event_types()
    ann = member("ann")
    send_notification(type="weekly", title="News one", users=[ann], url="/news/1")
    send_notification(type="mention", title="Bob mentioned you", users=[ann], url="/c/9")
    send_notification(type="weekly", title="News two", users=[ann])

    call_command("run_channels")  # after_minutes 0: due at once, no wait

    (digest,) = mail.outbox
    body = digest.body
    assert body.index("Weekly news (2)") < body.index("News two") < body.index("News one")
    assert body.index("News one") < body.index("Mentions (1)") < body.index("Bob mentioned you")
    links = hrefs(digest)
    assert "https://example.com/news/1" in links
    assert "https://example.com/c/9" in links
    assert links.count("https://example.com/") >= 2  # "News two" has no url: the inbox


@pytest.mark.skipif(django.VERSION < (6, 1), reason="MAILERS exists from Django 6.1")
def test_django_61_sends_through_the_mailer_alias(
    member: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"},
        "notices": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    }
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "MAILER": "notices"}
    ann = member("ann")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="Via notices", users=[ann])
    assert [m.subject for m in mail.outbox] == ["Via notices"]
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "MAILER": "default"}
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="Via default (dummy)", users=[ann])
    assert [m.subject for m in mail.outbox] == ["Via notices"]
