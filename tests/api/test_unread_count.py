"""``GET unread-count``: exact, uncapped, one query answered from the partial index."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from notifications.models import Event, EventType, Notification
from tests.support import INCLUDE, UNREAD_COUNT, ids_of


def many_unread(user, count):
    """``count`` unread notifications for ``user``, written in two statements."""
    post_like = EventType.objects.get(name="post_like")
    events = Event.objects.bulk_create([Event(type=post_like, title=f"n{i}") for i in range(count)])
    Notification.objects.bulk_create([Notification(user=user, event=e) for e in events])


def test_counts_only_the_users_unread_ones(ann, bob, ann_client, send):
    for _ in range(3):
        send([ann, bob])
    Notification.objects.filter(user=ann).order_by("pk").first().delete()
    read = Notification.objects.filter(user=ann).order_by("pk").first()
    Notification.objects.filter(pk=read.pk).update(readed=read.event.timestamp)

    response = ann_client.get(UNREAD_COUNT)

    assert response.status_code == 200
    # Read in SQL behind the package's back: read, but never seen.
    assert response.json() == {"unread": 1, "unseen": 2}


def test_marking_read_through_the_api_lowers_it_for_that_user_only(
    ann, bob, ann_client, bob_client, send
):
    send([ann, bob], type="post_like")
    send([ann], type="post_like")
    send([ann], type="post_comment")
    assert ann_client.get(UNREAD_COUNT).json() == {"unread": 3, "unseen": 3}

    ann_client.patch(INCLUDE.list, ids_of(ann)[:1], format="json")

    assert ann_client.get(UNREAD_COUNT).json() == {"unread": 2, "unseen": 2}
    assert bob_client.get(UNREAD_COUNT).json() == {"unread": 1, "unseen": 1}


def test_zero_for_a_user_without_notifications(ann_client):
    assert ann_client.get(UNREAD_COUNT).json() == {"unread": 0, "unseen": 0}


def test_is_never_capped(ann, ann_client):
    many_unread(ann, 1234)

    assert ann_client.get(UNREAD_COUNT).json() == {"unread": 1234, "unseen": 1234}


def test_anonymous_is_refused(db):
    assert APIClient().get(UNREAD_COUNT).status_code == 403  # session authentication comes first


def test_one_query_for_both_counts_each_on_its_partial_index(ann, bob, send):
    many_unread(ann, 50)
    send([bob])
    client = APIClient()
    client.force_authenticate(ann)  # no session queries: only the view's own

    with CaptureQueriesContext(connection) as queries:
        assert client.get(UNREAD_COUNT).json() == {"unread": 50, "unseen": 50}

    assert len(queries) == 1, [q["sql"] for q in queries]
    plan = query_plan(queries[0]["sql"])
    assert "notifications_user_unread_live" in plan
    assert "notifications_user_unseen" in plan


def query_plan(sql):
    """The database's plan for ``sql`` (sequential scans off on PostgreSQL: tiny test tables)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
        elif connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        else:
            pytest.skip(f"no plan check for {connection.vendor}")
        return " ".join(str(part) for row in cursor.fetchall() for part in row)
