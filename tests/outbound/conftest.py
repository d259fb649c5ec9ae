"""Fixtures of the channel tests: EVENTS with channels, users with addresses, a VAPID key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django
import pytest
from django.contrib.auth import get_user_model

from notifications.event_types import sync_event_types

API = "/api/notifications"

CHANNEL_EVENTS = [
    {
        "name": "post_like",
        "title": "Post liking",
        "description": "Event triggered when someone like your post",
        "channels": ["in_app", "email", "web_push"],
    },
    # The seed's entry: no "channels" key, in-app only.
    {"name": "post_comment", "title": "Post commenting", "description": None},
    {
        "name": "weekly",
        "title": "Weekly news",
        "channels": {"email": {"digest": {"after_minutes": 30, "every_hours": 6}}},
    },
    {"name": "mention", "title": "Mentions", "channels": {"email": False, "web_push": True}},
]


def use_email_backend(settings: Any, backend: str) -> None:
    """Send the package's emails through ``backend``: the default mailer on Django >= 6.1."""
    if django.VERSION >= (6, 1):
        settings.MAILERS = {"default": {"BACKEND": backend}}
    else:
        settings.EMAIL_BACKEND = backend


@pytest.fixture
def vapid_pem() -> str:
    """A fresh VAPID private key, PEM text."""
    from py_vapid import Vapid

    key = Vapid()
    key.generate_keys()
    pem: bytes = key.private_pem()
    return pem.decode()


@pytest.fixture
def channel_settings(settings: Any, db: Any) -> Any:
    """EVENTS with channels, a BASE_URL, Django's locmem mail backend; Web Push off."""
    settings.EVENTS = CHANNEL_EVENTS
    if django.VERSION < (6, 1):  # from 6.1 the test runner makes every MAILERS alias locmem
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "noreply@example.com"
    settings.NOTIFICATIONS = {
        **getattr(settings, "NOTIFICATIONS", {}),
        "BASE_URL": "https://example.com",
        "BUS": "locmem",
    }
    sync_event_types()
    return settings


@pytest.fixture
def web_push_settings(channel_settings: Any, vapid_pem: str) -> Any:
    """Web Push on, with a fresh key; the test push service on 127.0.0.1 allowed (unsafe)."""
    channel_settings.NOTIFICATIONS = {
        **channel_settings.NOTIFICATIONS,
        "WEB_PUSH_VAPID_PRIVATE_KEY": vapid_pem,
        "WEB_PUSH_CONTACT": "mailto:ops@example.com",
        "OUTBOUND_UNSAFE_ALLOW": ["127.0.0.1/32"],
        "WEB_PUSH_SERVICES": ["127.0.0.1"],
    }
    return channel_settings


@pytest.fixture
def member(db: Any) -> Callable[..., Any]:
    """``member("ann")``: a user with an email address, whatever AUTH_USER_MODEL is."""
    user_model = get_user_model()

    def make(name: str, email: str | None = None) -> Any:
        address = f"{name}@example.com" if email is None else email
        if user_model.USERNAME_FIELD == "email":
            return user_model.objects.create_user(email=address or f"{name}@example.com")
        return user_model.objects.create_user(**{user_model.USERNAME_FIELD: name}, email=address)

    return make


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The (event id, user ids) of every ``enqueue_for_event`` call, which still runs."""
    from notifications import outbound

    calls: list[Any] = []
    real = outbound.enqueue_for_event

    def spy(event_id: int, user_ids: list[int] | None = None) -> None:
        calls.append((event_id, user_ids))
        real(event_id, user_ids)

    monkeypatch.setattr(outbound, "enqueue_for_event", spy)
    return calls
