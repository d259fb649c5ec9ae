"""Endpoints added beyond the seed (include form): unread-count, read-all, types."""

from __future__ import annotations

import pytest
from django.test import override_settings

from notifications.event_types import sync_event_types
from notifications.models import Notification
from tests.api.support import ids_of
from tests.settings import EVENTS

BASE = "/api/notifications/"


@pytest.fixture
def mixed(ann, bob, send):
    """Ann: two likes and one comment, unread; bob: one like."""
    send([ann, bob], type="post_like", title="like 1")
    send([ann], type="post_like", title="like 2")
    send([ann], type="post_comment", title="comment")


def unread(client) -> int:
    response = client.get(BASE + "unread-count")
    assert response.status_code == 200
    count: int = response.json()["unread"]
    return count


def test_unread_count(ann, ann_client, bob_client, mixed):
    assert ann_client.get(BASE + "unread-count").json() == {"unread": 3, "unseen": 3}
    ann_client.patch(BASE, ids_of(ann)[:1], format="json")
    assert unread(ann_client) == 2
    assert unread(bob_client) == 1


def test_read_all(ann, ann_client, bob_client, mixed):
    response = ann_client.post(BASE + "read-all")

    assert response.status_code == 200
    assert response.json() == {"updated": 3, "unread": 0}
    assert unread(bob_client) == 1
    assert ann_client.post(BASE + "read-all").json() == {"updated": 0, "unread": 0}


def test_read_all_keeps_first_read_times(ann, ann_client, mixed):
    first = ann_client.patch(BASE + str(ids_of(ann)[0])).json()["readed"]

    ann_client.post(BASE + "read-all")

    assert ann_client.get(BASE + str(ids_of(ann)[0])).json()["readed"] == first


def test_read_all_of_some_types(ann, ann_client, mixed):
    response = ann_client.post(BASE + "read-all?type=post_like")

    assert response.json() == {"updated": 2, "unread": 1}
    rows = ann_client.get(BASE, {"readed": "false"}).json()["results"]
    assert [r["event"]["title"] for r in rows] == ["comment"]
    both = ann_client.post(BASE + "read-all?type=post_like,post_comment").json()
    assert both == {"updated": 1, "unread": 0}


def test_types_lists_sendable_types_with_the_users_choice(ann_client):
    ann_client.patch(BASE + "filter", {"event_types": ["post_comment"]}, format="json")

    response = ann_client.get(BASE + "types")

    assert response.status_code == 200
    assert response.json() == [
        {
            "name": "post_like",
            "title": "Post liking",
            "description": "Event triggered when someone like your post",
            "enabled": False,
        },
        {"name": "post_comment", "title": "Post commenting", "description": None, "enabled": True},
    ]


def test_types_hides_removed_types(ann_client):
    with override_settings(EVENTS=[EVENTS[1]]):
        sync_event_types()
        names = [t["name"] for t in ann_client.get(BASE + "types").json()]

    assert names == ["post_comment"]


def test_mark_unread(ann, ann_client, mixed):
    target = ids_of(ann)[0]
    ann_client.patch(BASE + str(target))

    response = ann_client.patch(BASE + str(target), {"readed": None}, format="json")

    assert response.status_code == 200
    assert response.json()["readed"] is None
    assert Notification.objects.get(pk=target).readed is None
    assert unread(ann_client) == 3
