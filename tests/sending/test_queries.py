"""The fan-out issues O(audience / FANOUT_BATCH_SIZE) statements, never one per recipient."""

from __future__ import annotations

import math

import pytest
from django.contrib.auth import get_user_model

from notifications.helpers import send_notification
from notifications.models import EventType, ExcludedEventType, Notification

AUDIENCE = 60
BATCH = 10
# Type lookup, savepoints, the Event INSERT and UPDATE of its count, the
# event's group when pushing: a constant.
FIXED = 9
# Per chunk: find the chunk boundary (QuerySets), the INSERT ... SELECT, the
# query that reads the committed rows to build the pushes, and the unread and
# unseen counts of the recipients who are online.
PER_CHUNK = 5


@pytest.fixture
def recipients(make_user):
    users = [make_user(f"user{i}") for i in range(AUDIENCE)]
    # A few filters on the way must not add queries.
    like = EventType.objects.get(name="post_like")
    ExcludedEventType.objects.bulk_create(
        [ExcludedEventType(user=user, event_type=like) for user in users[::7]]
    )
    return users


def budget(audience: int) -> int:
    return FIXED + PER_CHUNK * (math.ceil(audience / BATCH) + 1)


@pytest.mark.parametrize("form", ["queryset", "values_list", "ids", "users", "generator", "none"])
def test_fan_out_statements_grow_with_chunks(
    recipients,
    form,
    settings,
    outbox,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "FANOUT_BATCH_SIZE": BATCH}
    everyone = get_user_model().objects.all()
    users = {
        "queryset": everyone,
        "values_list": everyone.values_list("id", flat=True),
        "ids": [user.pk for user in recipients],
        "users": recipients,
        "generator": (user.pk for user in recipients),
        "none": None,
    }[form]

    with (
        django_assert_max_num_queries(budget(AUDIENCE)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        event = send_notification("post_like", "t", users=users)

    receivers = AUDIENCE - len(recipients[::7])
    assert event.notifications_count == receivers
    assert Notification.objects.filter(event=event).count() == receivers
    assert len(outbox) == receivers
    assert budget(AUDIENCE) < receivers  # the bound really rules out one query per user


def test_budget_scales_with_the_batch_size(
    recipients, settings, django_assert_max_num_queries, django_capture_on_commit_callbacks, outbox
):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "FANOUT_BATCH_SIZE": 1000}

    with (
        django_assert_max_num_queries(FIXED + 2 * PER_CHUNK),
        django_capture_on_commit_callbacks(execute=True),
    ):
        event = send_notification("post_comment", "t", users=get_user_model().objects.all())

    assert event.notifications_count == AUDIENCE
    assert len(outbox) == AUDIENCE
