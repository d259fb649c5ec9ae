"""``?with=target_muted``: the list and the detail say whether the user muted a row's target."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import subscriptions
from notifications.helpers import send_notification

BASE = "/api/notifications/"


@pytest.fixture
def posts(db):
    return Group.objects.create(name="post 7"), Group.objects.create(name="post 8")


@pytest.fixture
def inbox(ann, bob, posts):
    muted, other = posts
    send_notification(type="post_like", title="plain", users=[ann, bob])
    send_notification(type="post_like", title="about 7", users=[ann, bob], target=muted)
    send_notification(type="post_like", title="about 8", users=[ann, bob], target=other)
    subscriptions.mute(ann, muted)
    return muted, other


def states(body):
    return {row["event"]["title"]: row["target_muted"] for row in body}


@pytest.mark.parametrize("page", [{}, {"cursor": ""}, {"offset": 0, "limit": 50}])
def test_each_row_says_whether_its_target_is_muted(ann_client, bob_client, inbox, page):
    # The plain-rows page and the ORM's (cursor) page answer the same.
    mine = ann_client.get(BASE, {"with": "target_muted", **page}).json()["results"]
    theirs = bob_client.get(BASE, {"with": "target_muted", **page}).json()["results"]

    assert states(mine) == {"plain": None, "about 7": True, "about 8": False}
    assert states(theirs) == {"plain": None, "about 7": False, "about 8": False}


def test_without_the_parameter_the_json_is_unchanged(ann_client, inbox):
    rows = ann_client.get(BASE).json()["results"]
    assert all("target_muted" not in row for row in rows)


def test_the_detail_too(ann, ann_client, inbox):
    row = ann_client.get(BASE).json()["results"][1]

    detail = ann_client.get(f"{BASE}{row['id']}", {"with": "target_muted"}).json()

    assert (detail["event"]["title"], detail["target_muted"]) == ("about 7", True)
    assert "target_muted" not in ann_client.get(f"{BASE}{row['id']}").json()


def test_one_query_more_only_for_a_page_with_targets(ann_client, ann, inbox):
    send_notification(type="post_comment", title="plain 2", users=[ann])

    def queries(params):
        with CaptureQueriesContext(connection) as captured:
            assert ann_client.get(BASE, params).status_code == 200
        return len(captured)

    plain = queries({})
    assert queries({"with": "target_muted"}) == plain + 1
    assert queries({"with": "target_muted", "type": "post_comment"}) == queries(
        {"type": "post_comment"}
    )


def test_an_ended_mute_is_not_muted(ann, ann_client, inbox):
    import datetime

    from django.utils import timezone

    subscriptions.mute(ann, inbox[0], until=timezone.now() - datetime.timedelta(seconds=1))

    rows = ann_client.get(BASE, {"with": "target_muted"}).json()["results"]

    assert states(rows)["about 7"] is False


@pytest.mark.parametrize("value", ["muted", "target_muted,x"])
def test_another_value_is_a_400(ann_client, inbox, value):
    response = ann_client.get(BASE, {"with": value})
    assert response.status_code == 400
    assert "with" in response.json()
    twice = ann_client.get(f"{BASE}?with=target_muted&with=target_muted")
    assert twice.status_code == 400
