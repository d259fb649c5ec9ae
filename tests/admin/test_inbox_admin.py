"""The admin's changelists show and filter the inbox states without N+1 queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.helpers import send_notification
from notifications.models import Notification

NOTIFICATIONS = "/admin/notifications/notification/"
EVENTS = "/admin/notifications/event/"


@pytest.fixture
def admin(make_user):
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def inbox(ann, bob):
    post = Group.objects.create(name="post")
    send_notification(type="post_like", title="grouped", users=[ann], author=bob, group="g")
    send_notification(type="post_like", title="grouped", users=[ann], author=bob, group="g")
    send_notification(type="post_comment", title="about", users=[ann], target=post)
    send_notification(type="post_comment", title="archived", users=[ann])
    Notification.objects.filter(event__title="archived").update(archived=timezone.now())
    return post


def ids_in(response) -> set[int]:
    return {row.pk for row in response.context["cl"].result_list}


def test_notification_filters(admin, inbox):
    archived = admin.get(NOTIFICATIONS, {"archived__isempty": "0"})
    open_ones = admin.get(NOTIFICATIONS, {"archived__isempty": "1"})
    grouped = admin.get(NOTIFICATIONS, {"group__isempty": "0"})

    assert ids_in(archived) == set(
        Notification.objects.filter(archived__isnull=False).values_list("pk", flat=True)
    )
    assert len(ids_in(open_ones)) == 2
    (row,) = grouped.context["cl"].result_list
    assert row.count == 2


def test_event_filters_and_columns(admin, inbox):
    response = admin.get(EVENTS, {"group__isempty": "0"})

    assert response.status_code == 200
    assert {event.group for event in response.context["cl"].result_list} == {"g"}
    assert b"auth" in admin.get(EVENTS).content  # the target's content type column


def test_changelists_cost_the_same_for_more_rows(admin, ann, bob, inbox):
    admin.get(NOTIFICATIONS)
    admin.get(EVENTS)
    with CaptureQueriesContext(connection) as few_notifications:
        admin.get(NOTIFICATIONS)
    with CaptureQueriesContext(connection) as few_events:
        admin.get(EVENTS)
    for index in range(10):
        send_notification(
            type="post_like", title=f"n{index}", users=[ann, bob], author=bob, target=inbox
        )

    with CaptureQueriesContext(connection) as many_notifications:
        admin.get(NOTIFICATIONS)
    with CaptureQueriesContext(connection) as many_events:
        admin.get(EVENTS)

    assert len(many_notifications.captured_queries) == len(few_notifications.captured_queries)
    assert len(many_events.captured_queries) == len(few_events.captured_queries)
