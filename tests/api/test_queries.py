"""Query budget: a page and a batch cost a constant number of queries."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Event, EventType, Notification
from tests.support import ids_of

# Session + user (authentication), COUNT, the page with its events and types.
LIST_QUERIES = 4
# Session + user, UPDATE, SELECT of the rows (+ savepoint bookkeeping on some backends),
# then the push recorded in the same transaction by the database bus (the default on
# the test databases): the unread count, one INSERT into its log (+ NOTIFY on PostgreSQL).
BATCH_QUERIES = 9


def many_events(user, count: int) -> None:
    """``count`` notifications of distinct events (authors and both types), written in bulk."""
    types = list(EventType.objects.filter(name__in=["post_like", "post_comment"]))
    events = Event.objects.bulk_create(
        Event(type=types[index % 2], title=f"n{index}", data={"i": index}, author=user)
        for index in range(count)
    )
    if events[0].pk is None:  # backends that do not return ids from bulk inserts
        events = list(Event.objects.order_by("pk"))
    Notification.objects.bulk_create(Notification(user=user, event=event) for event in events)


def test_list_costs_the_same_for_1_and_100_rows(
    urls, ann, ann_client, django_assert_max_num_queries
):
    many_events(ann, 100)

    with django_assert_max_num_queries(LIST_QUERIES):
        one = ann_client.get(urls.list, {"limit": 1})
    with django_assert_max_num_queries(LIST_QUERIES):
        hundred = ann_client.get(urls.list, {"limit": 100})
    with CaptureQueriesContext(connection) as small:
        ann_client.get(urls.list, {"limit": 1})
    with CaptureQueriesContext(connection) as large:
        ann_client.get(urls.list, {"limit": 100, "readed": "false"})

    assert len(one.json()["results"]) == 1
    assert len(hundred.json()["results"]) == 100
    assert len(small.captured_queries) == len(large.captured_queries)


def test_batch_of_500_ids_costs_a_constant(urls, ann, ann_client, django_assert_max_num_queries):
    many_events(ann, 500)
    mine = ids_of(ann)

    with django_assert_max_num_queries(BATCH_QUERIES):
        response = ann_client.patch(urls.list, mine, format="json")

    assert response.status_code == 200
    assert len(response.json()) == 500
    assert not Notification.objects.filter(user=ann, readed__isnull=True).exists()


def test_batch_of_2_ids_costs_the_same(urls, ann, ann_client):
    many_events(ann, 10)
    mine = ids_of(ann)

    with CaptureQueriesContext(connection) as two:
        ann_client.patch(urls.list, mine[:2], format="json")
    with CaptureQueriesContext(connection) as eight:
        ann_client.patch(urls.list, mine[2:], format="json")

    assert len(two.captured_queries) == len(eight.captured_queries)
