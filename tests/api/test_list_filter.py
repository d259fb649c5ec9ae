"""The list's ``?type=a,b`` filter, alone and combined with ``readed`` and pagination."""

from __future__ import annotations

import pytest

from notifications.models import Notification


@pytest.fixture
def mixed(ann, bob, send):
    """Ann: a read like, an unread like, an unread comment; Bob: a like."""
    send([ann, bob], type="post_like", title="like read")
    send([ann], type="post_like", title="like unread")
    send([ann], type="post_comment", title="comment")
    row = Notification.objects.get(user=ann, event__title="like read")
    Notification.objects.filter(pk=row.pk).update(readed=row.event.timestamp)


@pytest.fixture
def titles(urls):
    """``titles(client, **params)``: the event titles of the list under one URL form."""

    def listed(client, **params):
        response = client.get(urls.list, params)
        assert response.status_code == 200, response.content
        return [row["event"]["title"] for row in response.json()["results"]]

    return listed


def test_one_type(ann_client, titles, mixed):
    assert titles(ann_client, type="post_comment") == ["comment"]
    assert titles(ann_client, type="post_like") == ["like unread", "like read"]


def test_several_types(ann_client, titles, mixed):
    assert titles(ann_client, type="post_like,post_comment") == [
        "comment",
        "like unread",
        "like read",
    ]


def test_combined_with_readed(ann_client, titles, mixed):
    assert titles(ann_client, type="post_like", readed="false") == ["like unread"]
    assert titles(ann_client, type="post_like", readed="true") == ["like read"]
    assert titles(ann_client, type="post_comment", readed="true") == []


def test_unknown_type_matches_nothing(ann_client, titles, mixed):
    assert titles(ann_client, type="nope") == []


def test_empty_is_every_type(ann_client, titles, mixed):
    assert len(titles(ann_client, type="")) == 3


def test_only_the_users_own_rows(bob_client, titles, mixed):
    assert titles(bob_client, type="post_like,post_comment") == ["like read"]


def test_count_and_next_link_keep_the_filter(urls, ann_client, mixed):
    body = ann_client.get(urls.list, {"type": "post_like", "limit": 1}).json()

    assert body["count"] == 2
    assert "type=post_like" in body["next"]
