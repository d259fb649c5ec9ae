"""Fixtures of the escalation, quiet hours and snooze tests: EVENTS with steps, two channels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import django
import pytest

from notifications.event_types import sync_event_types
from notifications.outbound import locmem

#: Short enough for a test to wait for (0.6 s), long enough to act before it is due.
STEP_MINUTES = 0.01

ESCALATION_EVENTS = [
    {
        "name": "mention",
        "title": "Mentions",
        "channels": ["locmem", "email"],
        "escalation": [
            {"channel": "locmem"},
            {"channel": "email", "after_minutes": STEP_MINUTES, "if": "unread"},
        ],
    },
    {
        "name": "alert",
        "title": "Alerts",
        "channels": ["email"],
        "escalation": [{"channel": "email", "after_minutes": STEP_MINUTES, "if": "unseen"}],
    },
    {"name": "page", "title": "Pages", "channels": ["locmem"], "urgent": True},
    {"name": "chat", "title": "Chat", "channels": ["locmem"]},
    {"name": "post_like", "title": "Post liking"},
]


@pytest.fixture
def escalation_settings(settings: Any, db: Any) -> Iterator[Any]:
    """EVENTS with escalation steps; the locmem channel (at once) and email (later)."""
    settings.EVENTS = ESCALATION_EVENTS
    if django.VERSION < (6, 1):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "noreply@example.com"
    settings.NOTIFICATIONS = {
        **getattr(settings, "NOTIFICATIONS", {}),
        "BASE_URL": "https://example.com",
        "CHANNELS": {
            "email": "notifications.outbound.email.EmailChannel",
            "locmem": "notifications.outbound.locmem.LocmemChannel",
        },
    }
    sync_event_types()
    locmem.reset()
    yield settings
    locmem.reset()


@pytest.fixture
def person(make_user: Any) -> Any:
    """``person("ann")``: a user whose email is ann@example.com, whatever AUTH_USER_MODEL is."""
    from django.contrib.auth import get_user_model

    def make(name: str) -> Any:
        if get_user_model().USERNAME_FIELD == "email":
            return make_user(name)
        return make_user(name, email=f"{name}@example.com")

    return make
