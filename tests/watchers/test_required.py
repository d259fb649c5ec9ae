"""Required types: declared in EVENTS, never off in the inbox (or on a required channel)."""

from __future__ import annotations

from typing import Any

import django
import pytest
from django.core import mail

from notifications.event_types import sync_event_types
from notifications.helpers import send_notification
from notifications.models import ChannelPreference, EventType, ExcludedEventType, Notification

API = "/api/notifications"
EVENTS = [
    {"name": "post_like", "title": "Post liking", "description": None},
    {"name": "security", "title": "Security alerts", "description": None, "required": True},
    {
        "name": "invoice",
        "title": "Invoices",
        "description": None,
        "channels": {"email": {"required": True}},
    },
]


@pytest.fixture
def required_events(settings: Any, db: Any) -> Any:
    settings.EVENTS = EVENTS
    if django.VERSION < (6, 1):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS = {"BASE_URL": "https://example.com", "BUS": "locmem"}
    sync_event_types()
    return settings


@pytest.fixture
def member(required_events: Any, make_user: Any) -> Any:
    def make(name: str) -> Any:
        user = make_user(name)
        user.email = f"{name}@example.com"
        user.save()
        return user

    return make


def test_the_filter_refuses_to_drop_a_required_type(member: Any) -> None:
    from tests.support import client_for

    client = client_for(member("ann"))

    refused = client.patch(f"{API}/filter", {"event_types": ["post_like"]}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {
        "event_types": ["Required event type cannot be turned off: 'security'."]
    }
    assert not ExcludedEventType.objects.exists()
    kept = client.patch(f"{API}/filter", {"event_types": ["security"]}, format="json")
    assert kept.status_code == 200
    assert kept.json() == {"event_types": ["security"]}


def test_the_default_filter_lists_it(member: Any) -> None:
    from tests.support import client_for

    client = client_for(member("ann"))

    assert client.get(f"{API}/filter").json() == {
        "event_types": ["post_like", "security", "invoice"]
    }
    types = {t["name"]: (t["enabled"], t["required"]) for t in client.get(f"{API}/types").json()}
    assert types == {
        "post_like": (True, False),
        "security": (True, True),
        "invoice": (True, False),
    }


def test_preferences_refuse_turning_it_off_naming_the_type(member: Any) -> None:
    from tests.support import client_for

    client = client_for(member("ann"))

    in_app = client.patch(
        f"{API}/preferences", {"types": {"security": {"in_app": False}}}, format="json"
    )
    email = client.patch(
        f"{API}/preferences", {"types": {"invoice": {"email": False}}}, format="json"
    )

    assert in_app.status_code == 400
    assert in_app.json() == {
        "types": {"security": ["Event type 'security' is required and cannot be turned off."]}
    }
    assert email.status_code == 400
    assert email.json() == {
        "types": {
            "invoice": ["Event type 'invoice' is required on email and cannot be turned off."]
        }
    }
    assert not ChannelPreference.objects.exists()
    body = client.get(f"{API}/preferences").json()
    by_name = {t["name"]: t for t in body["types"]}
    assert by_name["security"]["required"] == ["in_app"]
    assert by_name["invoice"]["required"] == ["email"]
    assert by_name["invoice"]["channels"]["email"] is True
    # Turning it on (a no-op) is accepted.
    on = client.patch(
        f"{API}/preferences", {"types": {"security": {"in_app": True}}}, format="json"
    )
    assert on.status_code == 200


def test_a_choice_made_before_the_type_became_required_does_not_count(
    member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    security = EventType.objects.get(name="security")
    invoice = EventType.objects.get(name="invoice")
    ExcludedEventType.objects.create(user=ann, event_type=security)
    ChannelPreference.objects.create(user=ann, event_type=invoice, channel="email", enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        one = send_notification(type="security", title="New login", users=ann)
        many = send_notification(type="security", title="New login", users=[ann, ann])
        send_notification(type="invoice", title="Invoice 7", users=[ann])

    assert Notification.objects.filter(event__in=[one, many], user=ann).count() == 2
    assert [m.subject for m in mail.outbox] == ["Invoice 7"]


def test_the_checks_refuse_malformed_required_keys(settings: Any) -> None:
    from notifications.checks import check_channels, check_events

    settings.EVENTS = [
        {"name": "x", "title": "X", "channels": {"email": {"default": False, "required": True}}}
    ]
    settings.NOTIFICATIONS = {"BASE_URL": "https://example.com"}
    assert [m.id for m in check_channels()] == ["notifications.E010"]
    assert "required" in check_channels()[0].msg
    settings.EVENTS = [{"name": "y", "title": "Y", "required": "yes"}]
    assert [(m.id, m.msg) for m in check_events(None)] == [
        ("notifications.E005", "EVENTS[0]: required must be True or False.")
    ]
