"""``PATCH <id>``: no body or ``{"readed": true}`` marks read, ``{"readed": null}`` unread."""

from __future__ import annotations

import json

import pytest

from notifications.models import Notification
from notifications.testing import pushes_for
from tests.support import ISO_UTC, UNREAD_COUNT


@pytest.fixture
def row(ann, send):
    send([ann])
    return Notification.objects.get(user=ann)


@pytest.fixture
def patch(urls):
    """``patch(client, row, body)``: PATCH the row's detail URL with a JSON body."""

    def send_patch(client, row, body):
        return client.generic(
            "PATCH", urls.detail(row.pk), json.dumps(body), content_type="application/json"
        )

    return send_patch


def test_null_marks_it_unread(urls, patch, ann_client, row):
    ann_client.patch(urls.detail(row.pk))

    response = patch(ann_client, row, {"readed": None})

    assert response.status_code == 200
    assert response.json()["readed"] is None
    assert ann_client.get(urls.detail(row.pk)).json()["readed"] is None
    assert Notification.objects.get(pk=row.pk).readed is None
    assert ann_client.get(UNREAD_COUNT).json() == {"unread": 1, "unseen": 0}  # still seen


def test_true_marks_it_read(patch, ann_client, row):
    response = patch(ann_client, row, {"readed": True})

    assert response.status_code == 200
    assert ISO_UTC.match(response.json()["readed"])


def test_no_body_marks_it_read(urls, ann_client, row):
    response = ann_client.patch(urls.detail(row.pk))

    assert response.status_code == 200
    assert ISO_UTC.match(response.json()["readed"])


def test_read_again_after_unread_gets_a_new_read_time(urls, patch, ann_client, row):
    first = ann_client.patch(urls.detail(row.pk)).json()["readed"]
    patch(ann_client, row, {"readed": None})

    second = ann_client.patch(urls.detail(row.pk)).json()["readed"]

    assert second is not None
    assert second >= first


@pytest.mark.parametrize("value", [False, "true", "null", "", 1, 0, [], {}, 1.5])
def test_anything_else_is_a_400_naming_readed(patch, ann_client, row, value):
    response = patch(ann_client, row, {"readed": value})

    assert response.status_code == 400
    assert "readed" in response.json()
    assert Notification.objects.get(pk=row.pk).readed is None


def test_unread_pushes_unread_with_the_count(
    urls, patch, ann, bob, ann_client, row, outbox, committed
):
    ann_client.patch(urls.detail(row.pk))

    with committed():
        patch(ann_client, row, {"readed": None})

    (frame,) = pushes_for(ann)
    assert frame["action"] == "unread"
    assert frame["unread"] == 1
    assert frame["notification"]["id"] == row.pk
    assert frame["notification"]["readed"] is None
    assert pushes_for(bob) == []


def test_unread_on_an_unread_one_pushes_nothing(patch, ann, ann_client, row, outbox, committed):
    with committed():
        assert patch(ann_client, row, {"readed": None}).status_code == 200

    assert pushes_for(ann) == []


def test_another_users_notification_is_a_404(patch, bob_client, row):
    Notification.objects.filter(pk=row.pk).update(readed=row.event.timestamp)

    assert patch(bob_client, row, {"readed": None}).status_code == 404
    assert Notification.objects.get(pk=row.pk).readed is not None


@pytest.mark.parametrize("body", [[], False, 0, "", None, [1], "readed"])
def test_a_body_that_is_not_an_object_is_a_400(urls, ann_client, row, body):
    response = ann_client.generic(
        "PATCH", urls.detail(row.pk), json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    assert Notification.objects.get(pk=row.pk).readed is None
