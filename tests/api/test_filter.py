"""The per-user filter: GET the received types, PATCH to replace them."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from notifications.event_types import sync_event_types
from notifications.helpers import send_notification
from notifications.models import Notification
from tests.settings import EVENTS

FOLLOW = {"name": "user_follow", "title": "Following", "description": None}


def test_default_is_every_sendable_type_in_events_order(urls, ann_client):
    response = ann_client.get(urls.filter)

    assert response.status_code == 200
    assert response.json() == {"event_types": ["post_like", "post_comment"]}


def test_order_follows_events(urls, ann_client):
    with override_settings(EVENTS=[FOLLOW, EVENTS[1], EVENTS[0]]):
        sync_event_types()
        body = ann_client.get(urls.filter).json()

    assert body == {"event_types": ["user_follow", "post_comment", "post_like"]}


def test_patch_replaces_the_set(urls, ann, ann_client):
    first = ann_client.patch(urls.filter, {"event_types": ["post_comment"]}, format="json")
    second = ann_client.patch(
        urls.filter, {"event_types": ["post_comment", "post_like"]}, format="json"
    )

    assert first.status_code == 200
    assert first.json() == {"event_types": ["post_comment"]}
    assert second.status_code == 200
    # Answered (and listed) in EVENTS order, whatever the order of the body.
    assert second.json() == {"event_types": ["post_like", "post_comment"]}
    assert ann_client.get(urls.filter).json() == second.json()


def test_empty_list_is_valid_and_receives_nothing(urls, ann, bob, ann_client):
    response = ann_client.patch(urls.filter, {"event_types": []}, format="json")

    assert response.status_code == 200
    assert response.json() == {"event_types": []}
    assert ann_client.get(urls.filter).json() == {"event_types": []}
    event = send_notification("post_like", "t", users=[ann, bob])
    assert event.notifications_count == 1
    assert not Notification.objects.filter(user=ann).exists()


def test_the_filter_decides_who_receives(urls, ann, bob, ann_client):
    ann_client.patch(urls.filter, {"event_types": ["post_comment"]}, format="json")

    like = send_notification("post_like", "like", users=[ann, bob])
    comment = send_notification("post_comment", "comment", users=[ann, bob])

    assert like.notifications_count == 1
    assert comment.notifications_count == 2
    titles = [r["event"]["title"] for r in ann_client.get(urls.list).json()["results"]]
    assert titles == ["comment"]


def test_filters_are_per_user(urls, ann_client, bob_client):
    ann_client.patch(urls.filter, {"event_types": []}, format="json")

    assert bob_client.get(urls.filter).json() == {"event_types": ["post_like", "post_comment"]}


def test_duplicates_in_the_body_are_collapsed(urls, ann_client):
    response = ann_client.patch(
        urls.filter, {"event_types": ["post_like", "post_like"]}, format="json"
    )

    assert response.json() == {"event_types": ["post_like"]}


@pytest.mark.parametrize("name", ["nope", "Post_Like", ""])
def test_unknown_type_is_a_400_naming_it(urls, ann_client, name):
    response = ann_client.patch(urls.filter, {"event_types": ["post_like", name]}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert "event_types" in body
    if name:
        assert repr(name) in json.dumps(body) or name in json.dumps(body)
    assert ann_client.get(urls.filter).json() == {"event_types": ["post_like", "post_comment"]}


def test_removed_type_is_a_400_naming_it(urls, ann_client):
    with override_settings(EVENTS=[EVENTS[0]]):
        sync_event_types()
        response = ann_client.patch(
            urls.filter, {"event_types": ["post_like", "post_comment"]}, format="json"
        )
        listed = ann_client.get(urls.filter).json()

    assert response.status_code == 400
    assert "post_comment" in json.dumps(response.json())
    assert listed == {"event_types": ["post_like"]}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"types": ["post_like"]},
        {"event_types": "post_like"},
        {"event_types": None},
        {"event_types": {"post_like": True}},
        {"event_types": [1]},
        {"event_types": [["post_like"]]},
        ["post_like"],
        "post_like",
        None,
    ],
    ids=repr,
)
def test_body_without_an_event_types_array_is_a_400(urls, ann_client, body):
    response = ann_client.patch(urls.filter, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert response.json()
    assert ann_client.get(urls.filter).json() == {"event_types": ["post_like", "post_comment"]}


def test_a_type_added_later_reaches_users_who_edited_their_filter(urls, ann, bob, ann_client):
    ann_client.patch(urls.filter, {"event_types": ["post_comment"]}, format="json")

    with override_settings(EVENTS=[*EVENTS, FOLLOW]):
        sync_event_types()
        listed = ann_client.get(urls.filter).json()
        event = send_notification("user_follow", "Bob follows you", users=[ann, bob])

    assert listed == {"event_types": ["post_comment", "user_follow"]}
    assert event.notifications_count == 2
    assert Notification.objects.filter(user=ann, event=event).exists()
