"""Seen vs read: the bell's ``unseen`` count, ``seen-all``, the ``seen`` filter and frames."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from tests.support import FRAME_KEYS, ISO_UTC, ids_of

BASE = "/api/notifications/"


def test_new_notifications_are_unseen_and_unread(ann, ann_client, send):
    send([ann], title="a")
    send([ann], title="b")

    assert ann_client.get(BASE + "unread-count").json() == {"unread": 2, "unseen": 2}
    item = ann_client.get(BASE).json()["results"][0]
    assert item["seen"] is None
    assert item["readed"] is None


def test_seen_all_marks_every_unseen_one_and_keeps_them_unread(ann, bob, ann_client, send):
    send([ann, bob], title="a")
    send([ann, bob], title="b")

    response = ann_client.post(BASE + "seen-all")

    assert response.status_code == 200
    assert response.json() == {"updated": 2, "unseen": 0}
    assert ann_client.get(BASE + "unread-count").json() == {"unread": 2, "unseen": 0}
    for item in ann_client.get(BASE).json()["results"]:
        assert ISO_UTC.match(item["seen"])
        assert item["readed"] is None
    # Bob's are untouched.
    assert Notification.objects.filter(user=bob, seen__isnull=True).count() == 2


def test_seen_all_keeps_the_first_seen_time(ann, ann_client, send):
    send([ann], title="old")
    ann_client.post(BASE + "seen-all")
    first = Notification.objects.get(user=ann).seen
    send([ann], title="new")

    assert ann_client.post(BASE + "seen-all").json() == {"updated": 1, "unseen": 0}
    assert ann_client.post(BASE + "seen-all").json() == {"updated": 0, "unseen": 0}
    assert Notification.objects.get(user=ann, event__title="old").seen == first


def test_seen_all_is_one_update(ann, ann_client, send):
    for title in "abcde":
        send([ann], title=title)
    with CaptureQueriesContext(connection) as queries:
        ann_client.post(BASE + "seen-all")
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1


def test_reading_also_sees(urls, ann, ann_client, send):
    send([ann], title="a")
    send([ann], title="b")
    newest, _ = ids_of(ann)

    ann_client.patch(urls.detail(newest))

    assert ann_client.get(BASE + "unread-count").json() == {"unread": 1, "unseen": 1}
    row = Notification.objects.get(pk=newest)
    assert row.seen == row.readed
    ann_client.post(BASE + "read-all")
    assert ann_client.get(BASE + "unread-count").json() == {"unread": 0, "unseen": 0}


def test_marking_unread_does_not_unsee(urls, ann, ann_client, send):
    send([ann])
    (mine,) = ids_of(ann)
    ann_client.patch(urls.detail(mine))

    ann_client.patch(urls.detail(mine), {"readed": None}, format="json")

    assert ann_client.get(BASE + "unread-count").json() == {"unread": 1, "unseen": 0}


def test_seen_filter(urls, ann, ann_client, send):
    send([ann], title="seen")
    ann_client.post(BASE + "seen-all")
    send([ann], title="unseen")

    unseen = ann_client.get(urls.list, {"seen": "false"}).json()["results"]
    seen = ann_client.get(urls.list, {"seen": "true"}).json()["results"]
    both = ann_client.get(urls.list, {"seen": ""}).json()["results"]

    assert [item["event"]["title"] for item in unseen] == ["unseen"]
    assert [item["event"]["title"] for item in seen] == ["seen"]
    assert [item["event"]["title"] for item in both] == ["unseen", "seen"]


def test_a_bad_seen_value_is_a_400_naming_it(urls, ann_client):
    response = ann_client.get(urls.list, {"seen": "yes"})

    assert response.status_code == 400
    assert list(response.json()) == ["seen"]
    assert "seen must be one of 'true', 'false'" in response.json()["seen"][0]


def test_seen_all_pushes_one_frame_with_the_counts(
    ann, bob, ann_client, send, outbox, django_capture_on_commit_callbacks
):
    send([ann, bob], title="a")
    send([ann], title="b")
    outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        ann_client.post(BASE + "seen-all")

    (push,) = outbox
    assert push.user_id == ann.pk
    assert set(push.message) == {*FRAME_KEYS, "before"}
    assert push.message["action"] == "seen_all"
    assert push.message["unread"] == 2
    assert push.message["unseen"] == 0
    before = datetime.datetime.fromisoformat(push.message["before"])
    assert before == Notification.objects.filter(user=ann).first().seen


def test_seen_all_with_nothing_unseen_pushes_nothing(
    ann, ann_client, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert ann_client.post(BASE + "seen-all").json() == {"updated": 0, "unseen": 0}
    assert outbox == []


def test_every_frame_carries_unseen(
    urls, ann, ann_client, send, outbox, django_capture_on_commit_callbacks
):
    for title in "ab":
        with django_capture_on_commit_callbacks(execute=True):
            send([ann], title=title)
    newest, older = ids_of(ann)
    with django_capture_on_commit_callbacks(execute=True):
        ann_client.patch(urls.detail(newest))
    with django_capture_on_commit_callbacks(execute=True):
        ann_client.post(BASE + "read-all")
    with django_capture_on_commit_callbacks(execute=True):
        ann_client.delete(urls.detail(older))

    frames = [(p.message["action"], p.message["unread"], p.message["unseen"]) for p in outbox]
    assert frames == [
        ("new", 1, 1),
        ("new", 2, 2),
        ("readed", 1, 1),
        ("readed_all", 0, 0),
        ("deleted", 0, 0),
    ]


def test_anonymous_cannot_mark_seen(client):
    assert client.post(BASE + "seen-all").status_code == 403
