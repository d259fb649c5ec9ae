"""One send, each recipient's email and Web Push in their language; HTML escapes the params."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail

from notifications.event_types import sync_event_types
from notifications.helpers import send_notification
from notifications.models import Delivery
from tests.conftest import client_for
from tests.i18n.conftest import EVENTS
from tests.outbound.conftest import (
    API,
    channel_settings,
    member,
    vapid_pem,
    web_push_settings,
)
from tests.outbound.push_service import PushService, push_service

__all__ = ["channel_settings", "member", "vapid_pem", "web_push_settings"]  # shared fixtures

EMAIL_EVENTS = [{**entry, "channels": ["in_app", "email", "web_push"]} for entry in EVENTS]


@pytest.fixture
def translated_channels(web_push_settings: Any, languages: None) -> Any:
    """The channel settings (email, Web Push), the ``liked`` template with email and push."""
    web_push_settings.EVENTS = EMAIL_EVENTS
    sync_event_types()
    return web_push_settings


@pytest.fixture
def service() -> Iterator[PushService]:
    with push_service() as running:
        yield running


def test_each_recipient_gets_the_email_in_their_language(
    translated_channels: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = member("ann"), member("bob")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(
            type="liked", users=[ann, bob], author=ann, params={"post": "<b>Cats</b>"}
        )

    by_user = {message.to[0]: message for message in mail.outbox}
    english, polish = by_user["ann@example.com"], by_user["bob@example.com"]
    assert english.subject == "ann liked your post"
    assert polish.subject == "ann polubił(a) Twój wpis"
    assert "Wpis: <b>Cats</b>" in polish.body  # the text part is not HTML
    html = polish.alternatives[0][0]
    assert "Wpis: &lt;b&gt;Cats&lt;/b&gt;" in html  # a parameter is escaped in HTML
    assert "<b>Cats</b>" not in html
    assert '<html lang="pl">' in html
    assert "Wyświetl powiadomienie" in html  # the package's own strings, from its catalogue


def test_a_digest_lists_each_notification_in_the_readers_language(
    translated_channels: Any, member: Any
) -> None:
    from notifications.models import Notification
    from notifications.outbound.email import build_message

    ann, bob = member("ann"), member("bob")
    send_notification(type="liked", users=[bob], author=ann, params={"post": "Cats"})
    send_notification(type="liked", users=[bob], author=ann, params={"post": "Dogs"})

    rows = list(Notification.objects.filter(user=bob).select_related("event__type", "user"))
    message = build_message(bob, rows, digest=True)

    assert message.body.count("ann polubił(a) Twój wpis") == 2
    assert "Wpis: Dogs" in message.body


def test_web_push_shows_the_recipients_language(
    translated_channels: Any,
    member: Any,
    service: PushService,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ann, bob = member("ann"), member("bob")
    for user in (ann, bob):
        client = client_for(user)
        client.get(f"{API}/push/key")
        client.post(f"{API}/push/subscriptions", service.browser().to_json(), format="json")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="liked", users=[ann, bob], author=ann, params={"post": "Cats"})

    shown = sorted((r.payload["title"], r.payload["body"]) for r in service.received)
    assert shown == [
        ("ann liked your post", "Post: Cats"),
        ("ann polubił(a) Twój wpis", "Wpis: Cats"),
    ]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
