"""REST for the current user: subscriptions and mutes, named like ``?target=``."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from notifications import subscriptions
from notifications.helpers import send_notification
from notifications.models import Notification, Subscription
from tests.support import client_for

BASE = "/api/notifications/"
SUBS = f"{BASE}subscriptions"
MUTE = f"{BASE}subscriptions/mute"


@pytest.fixture
def post(db):
    return Group.objects.create(name="post 7")


@pytest.fixture
def label(post):
    return f"auth.group:{post.pk}"


@pytest.fixture
def seen(ann, post):
    """Ann has a notification about the post: the default rule lets her follow it."""
    return send_notification(type="post_like", title="x", users=[ann], target=post)


def allow_all(user, obj):
    return True


def only_groups_named_post(user, obj):
    return isinstance(obj, Group) and obj.name.startswith("post")


def test_follow_list_and_unfollow(ann, ann_client, post, label, seen):
    created = ann_client.post(SUBS, {"target": label}, format="json")
    again = ann_client.post(SUBS, {"target": label}, format="json")

    assert created.status_code == 201
    assert again.status_code == 200
    assert created.json() == {
        "target": {"type": "auth.group", "id": str(post.pk)},
        "subscribed": True,
        "muted": False,
        "muted_until": None,
        "created": created.json()["created"],
    }
    listed = ann_client.get(SUBS).json()
    assert listed["count"] == 1
    assert listed["results"] == [created.json()]

    gone = ann_client.delete(f"{SUBS}?target={label}")
    assert gone.status_code == 204
    assert ann_client.get(SUBS).json()["count"] == 0
    assert ann_client.delete(SUBS, {"target": label}, format="json").status_code == 204


def test_mute_for_ever_and_until_a_time(ann, ann_client, post, label, seen):
    muted = ann_client.post(MUTE, {"target": label}, format="json")
    assert muted.status_code == 200
    assert (muted.json()["muted"], muted.json()["muted_until"], muted.json()["subscribed"]) == (
        True,
        None,
        False,
    )

    until = (timezone.now() + datetime.timedelta(hours=2)).replace(microsecond=0)
    later = ann_client.post(MUTE, {"target": label, "until": until.isoformat()}, format="json")
    assert later.json()["muted"] is True
    assert later.json()["muted_until"].startswith(until.strftime("%Y-%m-%dT%H:%M:%S"))

    event = send_notification(type="post_like", title="y", users=[ann], target=post)
    assert not Notification.objects.filter(event=event).exists()

    assert ann_client.delete(f"{MUTE}?target={label}").status_code == 204
    assert not Subscription.objects.exists()


def test_by_default_only_objects_the_user_has_a_notification_about(
    ann, bob, ann_client, post, label, seen
):
    bob_client = client_for(bob)

    refused = bob_client.post(SUBS, {"target": label}, format="json")
    refused_mute = bob_client.post(MUTE, {"target": label}, format="json")
    missing = ann_client.post(SUBS, {"target": "auth.group:987654"}, format="json")

    assert refused.status_code == 403
    assert refused.json() == {"detail": f"You may not follow or mute {label!r}."}
    assert refused_mute.status_code == 403
    # A missing object answers like a forbidden one: nothing tells them apart.
    assert missing.status_code == 403
    assert missing.json() == {"detail": "You may not follow or mute 'auth.group:987654'."}
    assert not Subscription.objects.exists()
    assert ann_client.post(SUBS, {"target": label}, format="json").status_code == 201


def test_a_model_that_does_not_exist_is_refused_like_a_missing_object(ann_client):
    for path in (SUBS, MUTE):
        refused = ann_client.post(path, {"target": "nope.model:1"}, format="json")
        assert refused.status_code == 403
        assert refused.json() == {"detail": "You may not follow or mute 'nope.model:1'."}
    assert ann_client.delete(f"{SUBS}?target=nope.model:1").status_code == 204
    assert ann_client.delete(f"{MUTE}?target=nope.model:1").status_code == 204
    assert ann_client.get(SUBS, {"target": "nope.model:1"}).json()["count"] == 0


def test_the_project_hook_decides(settings, ann, ann_client, post, label):
    settings.NOTIFICATIONS = {"SUBSCRIBE_PERMISSION": f"{__name__}.only_groups_named_post"}
    other = Group.objects.create(name="secret")

    assert ann_client.post(SUBS, {"target": label}, format="json").status_code == 201
    forbidden = ann_client.post(SUBS, {"target": f"auth.group:{other.pk}"}, format="json")
    assert forbidden.status_code == 403
    missing = ann_client.post(SUBS, {"target": "auth.group:987654"}, format="json")
    assert missing.status_code == 403
    not_a_pk = ann_client.post(SUBS, {"target": "auth.group:abc"}, format="json")
    assert not_a_pk.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "target"),
        ({"target": "nothing"}, "target"),
        ({"target": 7}, "target"),
        ({"target": "auth.group:"}, "target"),
        ({"target": None}, "target"),
        ({"target": "auth.group:1\x00"}, "target"),
        ({"target": "auth.group:" + "9" * 300}, "target"),
    ],
)
def test_bad_targets_are_a_400_naming_target(ann_client, body, field):
    for path in (SUBS, MUTE):
        response = ann_client.post(path, body, format="json")
        assert response.status_code == 400, (path, body)
        assert field in response.json()
    assert ann_client.delete(SUBS).status_code == 400
    assert "target" in ann_client.delete(f"{MUTE}?target=x").json()
    assert ann_client.get(f"{SUBS}?target=x").status_code == 400


def test_an_until_already_past_ends_the_mute(ann_client, label, seen):
    ann_client.post(MUTE, {"target": label}, format="json")

    ended = ann_client.post(MUTE, {"target": label, "until": "2001-01-01T00:00:00Z"}, format="json")

    assert ended.status_code == 200
    assert (ended.json()["muted"], ended.json()["muted_until"]) == (False, None)


@pytest.mark.parametrize("until", ["yesterday", "2001-13-01T00:00:00Z", 5, True])
def test_bad_until_is_a_400(ann_client, label, seen, until):
    response = ann_client.post(MUTE, {"target": label, "until": until}, format="json")
    assert response.status_code == 400
    assert "until" in response.json()
    assert not Subscription.objects.exists()


def test_others_rows_are_never_shown_or_changed(settings, ann, bob, ann_client, post, label):
    settings.NOTIFICATIONS = {"SUBSCRIBE_PERMISSION": f"{__name__}.allow_all"}
    subscriptions.subscribe(bob, post)
    subscriptions.mute(bob, post)

    assert ann_client.get(SUBS).json()["count"] == 0
    assert ann_client.get(f"{SUBS}?target={label}").json()["count"] == 0
    assert ann_client.delete(f"{SUBS}?target={label}").status_code == 204
    assert ann_client.delete(f"{MUTE}?target={label}").status_code == 204
    row = Subscription.objects.get(user=bob)
    assert (row.subscribed, row.muted_at is not None) == (True, True)


def test_list_narrowed_to_one_target_and_paginated(settings, ann, ann_client, post, label):
    settings.NOTIFICATIONS = {"SUBSCRIBE_PERMISSION": f"{__name__}.allow_all"}
    others = [Group.objects.create(name=f"post {i}") for i in range(3)]
    for group in [post, *others]:
        subscriptions.subscribe(ann, group)

    one = ann_client.get(SUBS, {"target": label}).json()
    page = ann_client.get(SUBS, {"limit": 2}).json()

    assert [row["target"]["id"] for row in one["results"]] == [str(post.pk)]
    assert page["count"] == 4
    assert len(page["results"]) == 2
    assert page["next"] is not None


def test_anonymous_is_refused(client):
    assert client.get(SUBS).status_code in (401, 403)
    assert client.post(MUTE, {"target": "auth.group:1"}).status_code in (401, 403)
