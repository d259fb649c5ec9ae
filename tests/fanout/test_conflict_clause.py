"""Inserts skip the conflict clause only where no user can be named twice."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.helpers import send_notification
from notifications.models import Notification

BATCH = 100


@pytest.fixture
def small_batches(settings: Any) -> int:
    settings.NOTIFICATIONS = {**getattr(settings, "NOTIFICATIONS", {}), "FANOUT_BATCH_SIZE": BATCH}
    return BATCH


def inserts(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"].upper()
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith("INSERT")
        and "NOTIFICATIONS_NOTIFICATION" in query["sql"].upper()
    ]


def skips_conflicts(sql: str) -> bool:
    return "ON CONFLICT" in sql or "OR IGNORE" in sql


def send(users: Any) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        event = send_notification(type="post_like", title="Hi", users=users)
    return event, inserts(queries)


def test_every_user_and_plain_querysets_insert_plainly(crowd, small_batches):
    crowd(250)
    user_model = get_user_model()

    for users in (None, user_model.objects.filter(is_active=True)):
        event, sql = send(users)
        assert event.notifications_count == 250
        assert len(sql) == 3
        assert not any(skips_conflicts(statement) for statement in sql)


def test_a_join_that_repeats_users_keeps_one_notification_each(crowd, small_batches):
    users = crowd(200)
    staff, editors = Group.objects.create(name="staff"), Group.objects.create(name="editors")
    for user in users[:150]:
        user.groups.add(staff)
    for user in users[50:]:
        user.groups.add(editors)
    both = get_user_model().objects.filter(groups__in=[staff, editors])

    event, sql = send(both)

    assert event.notifications_count == 200
    assert Notification.objects.filter(event=event).count() == 200
    assert all(skips_conflicts(statement) for statement in sql)


def test_ids_repeated_across_chunks_keep_one_notification_each(crowd, small_batches):
    ids = [user.pk for user in crowd(150)]

    event, sql = send(ids + ids[:20])  # the first 20 again, in the second chunk

    assert event.notifications_count == 150
    assert Notification.objects.filter(event=event).count() == 150
    assert all(skips_conflicts(statement) for statement in sql)
