"""A send to one user on PostgreSQL: the event, its row and its count in one statement."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications.helpers import send_notification
from notifications.models import Event, EventType, ExcludedEventType, Notification

pytestmark = pytest.mark.services  # the data-modifying CTE is PostgreSQL's


def written(call: Any) -> tuple[Any, list[str]]:
    """``call()``'s result and the SQL it ran inside the caller's transaction."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        result = call()
    return result, [query["sql"] for query in queries.captured_queries]


def test_one_statement_writes_the_event_the_row_and_the_count(ann: Any) -> None:
    send_notification(type="post_like", title="warm", users=ann)  # the statement is built once

    event, sql = written(
        lambda: send_notification(type="post_like", title="Hi", data={"p": 7}, users=ann)
    )

    writes = [s for s in sql if s.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH"))]
    assert len(writes) == 1
    assert Event.objects.get(pk=event.pk).notifications_count == 1
    assert event.notifications_count == 1
    row = Notification.objects.get(event=event)
    assert (row.user_id, row.readed, row.count) == (ann.pk, None, 1)


def test_a_user_who_filtered_the_type_out_gets_nothing(ann: Any) -> None:
    like = EventType.objects.get(name="post_like")
    ExcludedEventType.objects.create(user=ann, event_type=like)

    event = send_notification(type="post_like", title="Hi", users=ann)

    assert event.notifications_count == 0
    assert Event.objects.get(pk=event.pk).notifications_count == 0
    assert not Notification.objects.filter(event=event).exists()


def test_an_unknown_id_writes_the_event_alone(ann: Any) -> None:
    event = send_notification(type="post_like", title="Hi", users=[ann.pk + 1000])

    assert event.notifications_count == 0
    assert Event.objects.filter(pk=event.pk).exists()
    assert not Notification.objects.filter(event=event).exists()


def test_the_returned_event_is_the_stored_one(ann: Any, bob: Any) -> None:
    event = send_notification(
        type="post_comment", title="Hi", message="m", data=["x"], users=ann, author=bob
    )

    stored = Event.objects.get(pk=event.pk)
    for field in Event._meta.concrete_fields:
        assert getattr(event, field.attname) == getattr(stored, field.attname), field.name
    assert event.created is True
