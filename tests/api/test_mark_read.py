"""Marking read: batch PATCH on the list, PATCH on one notification, DELETE."""

from __future__ import annotations

import datetime
import json

import pytest

from notifications.models import Notification
from tests.support import ids_of


@pytest.fixture
def mine_and_bobs(ann, bob, send):
    """Three notifications each for ann and bob; returns (ann's ids, bob's ids), newest first."""
    for title in ["a", "b", "c"]:
        send([ann, bob], title=title)
    return ids_of(ann), ids_of(bob)


def test_batch_marks_mine_and_answers_them_after_update(urls, ann_client, mine_and_bobs):
    mine, bobs = mine_and_bobs

    response = ann_client.patch(urls.list, [mine[0], mine[2], bobs[0], 987654321], format="json")

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert sorted(r["id"] for r in body) == sorted([mine[0], mine[2]])
    assert all(r["readed"] is not None for r in body)
    assert Notification.objects.get(pk=mine[1]).readed is None
    # Another user's id is skipped silently: unchanged, and absent from the answer.
    assert not Notification.objects.filter(pk__in=bobs, readed__isnull=False).exists()
    listed = {r["id"]: r for r in ann_client.get(urls.list).json()["results"]}
    assert all(listed[r["id"]] == r for r in body)


def test_batch_keeps_the_first_read_time(urls, ann_client, mine_and_bobs):
    mine, _ = mine_and_bobs
    first = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    Notification.objects.filter(pk=mine[0]).update(readed=first)

    body = ann_client.patch(urls.list, [mine[0], mine[1]], format="json").json()
    again = ann_client.patch(urls.list, [mine[0], mine[1]], format="json").json()

    by_id = {r["id"]: r["readed"] for r in body}
    assert by_id[mine[0]] == "2026-01-01T00:00:00Z"
    assert {r["id"]: r["readed"] for r in again} == by_id


def test_batch_with_only_others_ids_answers_an_empty_array(urls, ann_client, mine_and_bobs):
    _, bobs = mine_and_bobs

    response = ann_client.patch(urls.list, bobs, format="json")

    assert response.status_code == 200
    assert response.json() == []
    assert not Notification.objects.filter(readed__isnull=False).exists()


def test_empty_batch_is_valid(urls, ann_client, mine_and_bobs):
    response = ann_client.patch(urls.list, [], format="json")

    assert response.status_code == 200
    assert response.json() == []


def test_duplicate_ids_in_a_batch(urls, ann_client, mine_and_bobs):
    mine, _ = mine_and_bobs

    body = ann_client.patch(urls.list, [mine[0], mine[0], mine[0]], format="json").json()

    assert [r["id"] for r in body] == [mine[0]]


@pytest.mark.parametrize(
    "body",
    [
        {"ids": [1]},
        {},
        "1",
        1,
        None,
        ["1"],
        [1.0],
        [1.5],
        [True],
        [False],
        [[1]],
        [{"id": 1}],
        [None],
        [2**64],
    ],
    ids=repr,
)
def test_batch_body_must_be_an_array_of_integers(urls, ann_client, mine_and_bobs, body):
    response = ann_client.patch(urls.list, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert response.json()
    assert not Notification.objects.filter(readed__isnull=False).exists()


def test_batch_body_that_is_not_json(urls, ann_client, mine_and_bobs):
    response = ann_client.patch(urls.list, "[1, 2", content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


def test_batch_larger_than_max_batch_ids(urls, ann_client, mine_and_bobs, settings):
    mine, _ = mine_and_bobs
    settings.NOTIFICATIONS = {"MAX_BATCH_IDS": 3}

    too_many = ann_client.patch(urls.list, [*mine, 0], format="json")
    enough = ann_client.patch(urls.list, mine, format="json")

    assert too_many.status_code == 400
    assert "3" in json.dumps(too_many.json())
    assert enough.status_code == 200
    assert len(enough.json()) == 3


def test_default_max_batch_ids_is_1000(urls, ann_client, mine_and_bobs):
    mine, _ = mine_and_bobs

    assert ann_client.patch(urls.list, list(range(1, 1002)), format="json").status_code == 400
    ok = ann_client.patch(urls.list, [*mine, *range(10**6, 10**6 + 997)], format="json")
    assert ok.status_code == 200
    assert len(ok.json()) == 3


def test_detail_patch_without_body(urls, ann_client, mine_and_bobs):
    mine, _ = mine_and_bobs

    response = ann_client.patch(urls.detail(mine[1]))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == mine[1]
    assert body["readed"] is not None
    assert Notification.objects.get(pk=mine[1]).readed is not None
    assert Notification.objects.filter(readed__isnull=False).count() == 1


def test_detail_patch_is_idempotent(urls, ann_client, mine_and_bobs):
    mine, _ = mine_and_bobs

    first = ann_client.patch(urls.detail(mine[0])).json()
    second = ann_client.patch(urls.detail(mine[0]), {}, format="json").json()

    assert second == first


def test_detail_patch_with_readed_true_and_null(urls, ann_client, mine_and_bobs):
    mine, _ = mine_and_bobs

    read = ann_client.patch(urls.detail(mine[0]), {"readed": True}, format="json")
    unread = ann_client.patch(urls.detail(mine[0]), {"readed": None}, format="json")

    assert read.status_code == 200
    assert read.json()["readed"] is not None
    assert unread.status_code == 200
    assert unread.json()["readed"] is None
    assert Notification.objects.get(pk=mine[0]).readed is None


@pytest.mark.parametrize("body", [{"readed": False}, {"readed": "yes"}, {"readed": 1}, [1]])
def test_detail_patch_bad_body(urls, ann_client, mine_and_bobs, body):
    mine, _ = mine_and_bobs

    response = ann_client.patch(urls.detail(mine[0]), body, format="json")

    assert response.status_code == 400
    assert Notification.objects.get(pk=mine[0]).readed is None


def test_someone_elses_id_looks_exactly_like_a_missing_one(urls, ann_client, mine_and_bobs):
    _, bobs = mine_and_bobs
    missing = max(bobs) + 1000

    for method in ["get", "patch", "delete"]:
        other = getattr(ann_client, method)(urls.detail(bobs[0]))
        absent = getattr(ann_client, method)(urls.detail(missing))
        assert other.status_code == absent.status_code == 404
        assert other.content == absent.content
    assert Notification.objects.filter(pk__in=bobs, readed__isnull=True).count() == 3


def test_delete_then_404(urls, ann_client, mine_and_bobs):
    mine, _ = mine_and_bobs

    first = ann_client.delete(urls.detail(mine[0]))
    second = ann_client.delete(urls.detail(mine[0]))

    assert first.status_code == 204
    assert first.content == b""
    assert second.status_code == 404
    assert ann_client.get(urls.detail(mine[0])).status_code == 404
    assert ann_client.patch(urls.detail(mine[0])).status_code == 404
    assert ids_of_remaining(ann_client, urls) == mine[1:]


def ids_of_remaining(client, urls):
    return [r["id"] for r in client.get(urls.list).json()["results"]]
