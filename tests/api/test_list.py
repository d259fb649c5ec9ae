"""GET of the list: shape of the JSON, order, pagination and the ``after_id`` cursor."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from notifications.models import Event, EventType, Notification
from tests.support import ISO_OFFSET, ISO_UTC, ids_of

# API.md's keys plus the inbox additions (seen, archived, group, count, authors; target, expires).
NOTIFICATION_KEYS = {
    "id",
    "user",
    "readed",
    "event",
    "seen",
    "archived",
    "group",
    "count",
    "authors",
}
EVENT_KEYS = {
    "id",
    "timestamp",
    "author",
    "type",
    "title",
    "message",
    "data",
    "target",
    "expires",
    "url",
}
TYPE_KEYS = {"id", "name", "title", "description"}


def test_exact_json_shape(urls, ann, bob, ann_client, send):
    data = {"post": 7, "tags": ["a"]}
    event = send([ann], title="Bob liked", data=data, message="Hi", author=bob)
    Notification.objects.filter(user=ann).update(
        readed=datetime.datetime(2026, 11, 24, 10, 15, tzinfo=datetime.UTC)
    )

    response = ann_client.get(urls.list)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    (item,) = body["results"]
    assert set(item) == NOTIFICATION_KEYS
    assert set(item["event"]) == EVENT_KEYS
    assert set(item["event"]["type"]) == TYPE_KEYS
    post_like = EventType.objects.get(name="post_like")
    assert item == {
        "id": Notification.objects.get(user=ann).pk,
        "user": ann.pk,
        "readed": "2026-11-24T10:15:00Z",
        "event": {
            "id": event.pk,
            "timestamp": item["event"]["timestamp"],
            "author": bob.pk,
            "type": {
                "id": post_like.pk,
                "name": "post_like",
                "title": "Post liking",
                "description": "Event triggered when someone like your post",
            },
            "title": "Bob liked",
            "message": "Hi",
            "data": {"post": 7, "tags": ["a"]},
            "target": None,
            "expires": None,
            "url": None,
        },
        "seen": None,
        "archived": None,
        "group": None,
        "count": 1,
        "authors": [{"id": bob.pk, "name": bob.get_username()}],
    }
    assert ISO_UTC.match(item["event"]["timestamp"])
    stored = Event.objects.get(pk=event.pk).timestamp
    assert datetime.datetime.fromisoformat(item["event"]["timestamp"]) == stored


def test_nulls_and_types(urls, ann, ann_client, send):
    send([ann], type="post_comment", title="t")

    item = ann_client.get(urls.list).json()["results"][0]

    assert item["readed"] is None
    assert item["event"]["author"] is None
    assert item["event"]["message"] is None
    assert item["event"]["data"] is None
    assert item["event"]["type"]["description"] is None
    assert isinstance(item["id"], int)
    assert isinstance(item["user"], int)
    assert isinstance(item["event"]["id"], int)
    assert isinstance(item["event"]["type"]["id"], int)


def test_timestamps_carry_the_offset_of_a_non_utc_time_zone(urls, ann, ann_client, send, settings):
    settings.TIME_ZONE = "Europe/Paris"
    event = send([ann])
    Event.objects.filter(pk=event.pk).update(  # summer time: +02:00
        timestamp=datetime.datetime(2026, 7, 15, 9, 0, tzinfo=datetime.UTC)
    )
    Notification.objects.filter(user=ann).update(  # winter time: +01:00
        readed=datetime.datetime(2026, 1, 15, 9, 0, tzinfo=datetime.UTC)
    )

    item = ann_client.get(urls.list).json()["results"][0]

    assert item["readed"] == "2026-01-15T10:00:00+01:00"
    assert item["event"]["timestamp"] == "2026-07-15T11:00:00+02:00"
    assert ISO_OFFSET.match(item["event"]["timestamp"])


def test_newest_first_and_only_mine(urls, ann, bob, ann_client, send):
    for title in ["one", "two", "three"]:
        send([ann, bob], title=title)

    results = ann_client.get(urls.list).json()["results"]

    assert [r["event"]["title"] for r in results] == ["three", "two", "one"]
    assert [r["id"] for r in results] == ids_of(ann)
    assert {r["user"] for r in results} == {ann.pk}


def test_pagination_envelope(urls, ann, ann_client, send):
    for index in range(5):
        send([ann], title=f"n{index}")

    first = ann_client.get(urls.list, {"limit": 2}).json()
    second = ann_client.get(urls.list, {"limit": 2, "offset": 2}).json()
    last = ann_client.get(urls.list, {"limit": 2, "offset": 4}).json()

    assert first["count"] == 5
    assert [r["event"]["title"] for r in first["results"]] == ["n4", "n3"]
    assert first["previous"] is None
    assert "limit=2" in first["next"]
    assert "offset=2" in first["next"]
    assert [r["event"]["title"] for r in second["results"]] == ["n2", "n1"]
    assert second["previous"] is not None
    assert [r["event"]["title"] for r in last["results"]] == ["n0"]
    assert last["next"] is None


@pytest.mark.parametrize("page_size", [3, 7])
def test_default_page_size_comes_from_page_size(urls, ann, ann_client, send, settings, page_size):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": page_size}
    for _ in range(10):
        send([ann])

    body = ann_client.get(urls.list).json()

    assert body["count"] == 10
    assert len(body["results"]) == page_size
    assert f"limit={page_size}" in body["next"]


def test_empty_list(urls, ann_client):
    body = ann_client.get(urls.list).json()

    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_after_id_is_a_catch_up_cursor_oldest_first(urls, ann, bob, ann_client, send):
    for title in ["a", "b", "c", "d"]:
        send([ann, bob], title=title)
    mine = sorted(ids_of(ann))

    body = ann_client.get(urls.list, {"after_id": mine[1]}).json()

    assert [r["id"] for r in body["results"]] == mine[2:]
    assert [r["event"]["title"] for r in body["results"]] == ["c", "d"]
    assert body["count"] == 2
    assert ann_client.get(urls.list, {"after_id": mine[-1]}).json()["results"] == []
    assert len(ann_client.get(urls.list, {"after_id": 0}).json()["results"]) == 4


@pytest.mark.parametrize("value", ["x", "-1", "1.5", str(2**64)])
def test_bad_after_id_is_a_400_naming_it(urls, ann_client, value):
    response = ann_client.get(urls.list, {"after_id": value})

    assert response.status_code == 400
    assert "after_id" in response.json()


def test_detail_get_returns_the_same_json_as_the_list(urls, ann, ann_client, send):
    send([ann], data={"k": 1})
    listed = ann_client.get(urls.list).json()["results"][0]

    response = ann_client.get(urls.detail(listed["id"]))

    assert response.status_code == 200
    assert response.json() == listed


def test_readed_time_is_rendered_like_drf(urls, ann, ann_client, send):
    send([ann])
    moment = timezone.now().replace(microsecond=123456)
    Notification.objects.filter(user=ann).update(readed=moment)

    item = ann_client.get(urls.list).json()["results"][0]

    assert item["readed"] == moment.strftime("%Y-%m-%dT%H:%M:%S.123456Z")


def test_page_size_defaults_to_20_without_page_size(urls, ann, ann_client, send, settings):
    settings.REST_FRAMEWORK = {
        "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination"
    }
    for _ in range(21):
        send([ann])

    body = ann_client.get(urls.list).json()

    assert body["count"] == 21
    assert len(body["results"]) == 20
