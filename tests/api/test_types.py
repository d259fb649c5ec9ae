"""``GET types``: the sendable types in EVENTS order, ``enabled`` per the user's filter."""

from __future__ import annotations

from rest_framework.test import APIClient

from notifications.event_types import sync_event_types
from notifications.models import EventType
from tests.support import INCLUDE, TYPES

LIKE = {
    "name": "post_like",
    "title": "Post liking",
    "description": "Event triggered when someone like your post",
}
COMMENT = {"name": "post_comment", "title": "Post commenting", "description": None}


def test_every_sendable_type_enabled_by_default(ann_client):
    response = ann_client.get(TYPES)

    assert response.status_code == 200
    assert response.json() == [
        {**LIKE, "enabled": True, "required": False},
        {**COMMENT, "enabled": True, "required": False},
    ]


def test_enabled_follows_the_users_own_filter(ann_client, bob_client):
    ann_client.patch(INCLUDE.filter, {"event_types": ["post_comment"]}, format="json")

    assert ann_client.get(TYPES).json() == [
        {**LIKE, "enabled": False, "required": False},
        {**COMMENT, "enabled": True, "required": False},
    ]
    assert [t["enabled"] for t in bob_client.get(TYPES).json()] == [True, True]


def test_follows_the_events_order_and_hides_removed_types(ann_client, settings):
    settings.EVENTS = [
        {"name": "post_comment", "title": "Comments", "description": "new"},
        {"name": "post_share", "title": "Shares", "description": None},
    ]
    sync_event_types()

    assert ann_client.get(TYPES).json() == [
        {
            "name": "post_comment",
            "title": "Comments",
            "description": "new",
            "enabled": True,
            "required": False,
        },
        {
            "name": "post_share",
            "title": "Shares",
            "description": None,
            "enabled": True,
            "required": False,
        },
    ]
    assert EventType.objects.filter(name="post_like", is_active=False).exists()


def test_anonymous_is_refused(db):
    assert APIClient().get(TYPES).status_code == 403  # session authentication comes first
